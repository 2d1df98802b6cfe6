namespace Collab.Functions.Tokens;

/// <summary>The one ACS identity of an app user, as stored in Blob Storage.</summary>
/// <param name="UserId">The app user id (Easy Auth's stable id).</param>
/// <param name="AcsUserId">The ACS identity id.</param>
/// <param name="CreatedOn">When the mapping was written.</param>
public sealed record AcsIdentityMapping(string UserId, string AcsUserId, DateTimeOffset CreatedOn);
