using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Acs;

/// <summary>
/// Our client of the ACS identity REST API (shared/protocols/acs-identity.md §3–§8), HMAC-signed through
/// <see cref="AcsRestPipeline"/> with the configured api-version. Shaped like <c>CommunicationIdentityClient</c> so
/// the SDK could replace it behind the same calls.
/// </summary>
public sealed class AcsIdentityClient(AcsRestPipeline pipeline, IOptions<AcsOptions> options)
{
    private const string Service = "identity";

    /// <summary>Creates an identity; with <paramref name="scopes"/>, also its first token (one round trip instead of two).</summary>
    public async Task<AcsCreatedIdentity> CreateIdentityAsync(IReadOnlyList<string>? scopes, int expiresInMinutes, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        if (scopes is { Count: > 0 })
        {
            body["createTokenWithScopes"] = Strings(scopes);
            body["expiresInMinutes"] = expiresInMinutes;
        }

        using var response = await SendAsync("identities", HttpMethod.Post, "identities", body, cancellationToken);
        var root = response.Json(Service);
        var id = root.GetProperty("identity").GetProperty("id").GetString()!;
        var token = root.TryGetProperty("accessToken", out var accessToken) ? ReadToken(accessToken) : null;
        return new AcsCreatedIdentity(id, token);
    }

    /// <summary>Issues a token for an existing identity.</summary>
    public async Task<AcsAccessToken> IssueTokenAsync(string identityId, IReadOnlyList<string> scopes, int expiresInMinutes, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["scopes"] = Strings(scopes), ["expiresInMinutes"] = expiresInMinutes };
        using var response = await SendAsync(":issueAccessToken", HttpMethod.Post, $"identities/{Uri.EscapeDataString(identityId)}/:issueAccessToken", body, cancellationToken);
        return ReadToken(response.Json(Service));
    }

    /// <summary>Revokes every token of an identity.</summary>
    public async Task RevokeTokensAsync(string identityId, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync(":revokeAccessTokens", HttpMethod.Post, $"identities/{Uri.EscapeDataString(identityId)}/:revokeAccessTokens", null, cancellationToken);
    }

    /// <summary>Deletes an identity, which also revokes its tokens.</summary>
    public async Task DeleteIdentityAsync(string identityId, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync("identities", HttpMethod.Delete, $"identities/{Uri.EscapeDataString(identityId)}", null, cancellationToken);
    }

    /// <summary>
    /// Exchanges a Teams user's Entra access token for an ACS token (<c>POST /teamsUser/:exchangeAccessToken</c>,
    /// shared/protocols/acs-chat-rooms.md §9): 401 from the service for an invalid or expired Entra token, 400 for a
    /// wrong <paramref name="appId"/> or <paramref name="userId"/>.
    /// </summary>
    public async Task<AcsAccessToken> ExchangeTeamsTokenAsync(string entraToken, string appId, string userId, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["token"] = entraToken, ["appId"] = appId, ["userId"] = userId };
        using var response = await SendAsync(":exchangeAccessToken", HttpMethod.Post, "teamsUser/:exchangeAccessToken", body, cancellationToken);
        return ReadToken(response.Json(Service));
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(s => (JsonNode)s!).ToArray());

    private static AcsAccessToken ReadToken(JsonElement element) =>
        new(element.GetProperty("token").GetString()!, element.GetProperty("expiresOn").GetDateTimeOffset());

    private Task<AcsResponse> SendAsync(string operation, HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken) =>
        pipeline.SendAsync(
            new AcsRestRequest(Service, operation, method, $"{path}?api-version={Uri.EscapeDataString(options.Value.ApiVersion)}") { Body = body },
            cancellationToken);
}
