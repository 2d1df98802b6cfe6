namespace Collab.Functions.Tokens;

/// <summary>The body of <c>POST /api/acs/token/teams</c>, the fields of the identity API's exchange (shared/protocols/acs-chat-rooms.md §9).</summary>
public sealed class TeamsTokenRequest
{
    /// <summary>The Teams user's Entra access token (audience: Azure Communication Services).</summary>
    public string? Token { get; set; }

    /// <summary>The Entra application (client) id the token was issued to, a GUID.</summary>
    public string? AppId { get; set; }

    /// <summary>The Teams user's Entra object id, a GUID.</summary>
    public string? UserId { get; set; }
}

/// <summary>The answer of <c>POST /api/acs/token/teams</c>.</summary>
/// <param name="Token">The ACS access token of the Teams user.</param>
/// <param name="ExpiresOn">Its expiry.</param>
public sealed record TeamsTokenResponse(string Token, DateTimeOffset ExpiresOn);
