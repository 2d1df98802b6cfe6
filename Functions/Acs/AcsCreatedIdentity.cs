namespace Collab.Functions.Acs;

/// <summary>A new ACS identity, with its first token when one was asked for.</summary>
/// <param name="Id">The identity id, <c>8:acs:{resource}_{user}</c>.</param>
/// <param name="AccessToken">The token, or null.</param>
public sealed record AcsCreatedIdentity(string Id, AcsAccessToken? AccessToken);
