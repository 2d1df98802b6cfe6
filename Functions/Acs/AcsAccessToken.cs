namespace Collab.Functions.Acs;

/// <summary>An ACS access token and its expiry, which equals the JWT's <c>exp</c>.</summary>
/// <param name="Token">The JWT.</param>
/// <param name="ExpiresOn">When it expires.</param>
public sealed record AcsAccessToken(string Token, DateTimeOffset ExpiresOn);
