namespace Collab.Functions.Tokens;

/// <summary>The body of <c>POST /api/acs/token</c>.</summary>
/// <param name="AcsUserId">The caller's ACS identity.</param>
/// <param name="Token">The ACS access token (a JWT).</param>
/// <param name="ExpiresOn">The token's expiry, equal to its <c>exp</c> claim.</param>
public sealed record AcsTokenResponse(string AcsUserId, string Token, DateTimeOffset ExpiresOn);
