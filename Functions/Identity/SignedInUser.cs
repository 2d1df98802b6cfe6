namespace Collab.Functions.Identity;

/// <summary>The caller, as App Service Authentication (or the local dev sign-in) vouches for it.</summary>
/// <param name="UserId">The stable user id (<c>X-MS-CLIENT-PRINCIPAL-ID</c>).</param>
/// <param name="Name">The display name (<c>X-MS-CLIENT-PRINCIPAL-NAME</c>, else the principal's name claim, else the id).</param>
/// <param name="IdentityProvider">The principal's <c>auth_typ</c>, such as <c>aad</c>.</param>
public sealed record SignedInUser(string UserId, string Name, string IdentityProvider);
