using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Functions.Configuration;
using Collab.Protocols.Acs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Acs;

/// <summary>
/// Our client of the ACS identity REST API (shared/protocols/acs-identity.md §3–§8): HMAC-SHA256 signed requests
/// with the configured api-version, retried with backoff on network failures, 408, 429 and 5xx (honouring
/// <c>Retry-After</c>), and the service's error body surfaced as <see cref="AcsRequestException"/>. Shaped like
/// <c>CommunicationIdentityClient</c> so the SDK could replace it behind the same calls.
/// </summary>
public sealed class AcsIdentityClient
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly AcsOptions _options;
    private readonly AcsConnectionString _connection;
    private readonly TimeProvider _time;
    private readonly ILogger<AcsIdentityClient> _logger;

    /// <summary>Creates the client over <paramref name="http"/> (from the HTTP client factory).</summary>
    public AcsIdentityClient(HttpClient http, IOptions<AcsOptions> options, TimeProvider time, ILogger<AcsIdentityClient> logger)
    {
        _http = http;
        _options = options.Value;
        _connection = _options.ParseConnection();
        _time = time;
        _logger = logger;
    }

    /// <summary>Creates an identity; with <paramref name="scopes"/>, also its first token (one round trip instead of two).</summary>
    public async Task<AcsCreatedIdentity> CreateIdentityAsync(IReadOnlyList<string>? scopes, int expiresInMinutes, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        if (scopes is { Count: > 0 })
        {
            body["createTokenWithScopes"] = new JsonArray(scopes.Select(s => (JsonNode)s!).ToArray());
            body["expiresInMinutes"] = expiresInMinutes;
        }

        using var json = await SendAsync(HttpMethod.Post, "identities", body, cancellationToken);
        var root = json!.RootElement;
        var id = root.GetProperty("identity").GetProperty("id").GetString()!;
        var token = root.TryGetProperty("accessToken", out var accessToken) ? ReadToken(accessToken) : null;
        return new AcsCreatedIdentity(id, token);
    }

    /// <summary>Issues a token for an existing identity.</summary>
    public async Task<AcsAccessToken> IssueTokenAsync(string identityId, IReadOnlyList<string> scopes, int expiresInMinutes, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["scopes"] = new JsonArray(scopes.Select(s => (JsonNode)s!).ToArray()),
            ["expiresInMinutes"] = expiresInMinutes,
        };
        using var json = await SendAsync(HttpMethod.Post, $"identities/{Uri.EscapeDataString(identityId)}/:issueAccessToken", body, cancellationToken);
        return ReadToken(json!.RootElement);
    }

    /// <summary>Revokes every token of an identity.</summary>
    public async Task RevokeTokensAsync(string identityId, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync(HttpMethod.Post, $"identities/{Uri.EscapeDataString(identityId)}/:revokeAccessTokens", null, cancellationToken);
    }

    /// <summary>Deletes an identity, which also revokes its tokens.</summary>
    public async Task DeleteIdentityAsync(string identityId, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync(HttpMethod.Delete, $"identities/{Uri.EscapeDataString(identityId)}", null, cancellationToken);
    }

    private static AcsAccessToken ReadToken(JsonElement element) =>
        new(element.GetProperty("token").GetString()!, element.GetProperty("expiresOn").GetDateTimeOffset());

    private async Task<JsonDocument?> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var uri = new Uri(_connection.Endpoint, $"{path}?api-version={Uri.EscapeDataString(_options.ApiVersion)}");
        var content = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body);
        var delays = _options.EffectiveRetryDelays();
        for (var attempt = 0; ; attempt++)
        {
            AcsRequestException failure;
            try
            {
                using var request = new HttpRequestMessage(method, uri);
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(content);
                    request.Content.Headers.ContentType = new("application/json");
                }

                request.Headers.Accept.ParseAdd("application/json");
                AcsRequestSigner.Sign(request, content, _connection.Key, _time.GetUtcNow());
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return response.StatusCode == HttpStatusCode.NoContent
                        ? null
                        : await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
                }

                failure = await ReadErrorAsync(response, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failure = new AcsRequestException(0, "Unreachable", ex is TaskCanceledException ? "The request timed out." : "The service could not be reached.", null, ex);
            }

            if (!failure.IsTransient || attempt >= delays.Count)
            {
                throw failure;
            }

            var delay = failure.RetryAfter is { } retryAfter ? TimeSpan.FromTicks(Math.Min(retryAfter.Ticks, MaxRetryAfter.Ticks)) : delays[attempt];
            _logger.LogWarning("ACS {Method} {Operation} failed with {Status} {Code}; retry {Attempt} in {Delay}", method, Operation(path), failure.Status, failure.Code, attempt + 1, delay);
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private static async Task<AcsRequestException> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        var code = response.ReasonPhrase ?? "Error";
        var message = "The service gave no error body.";
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (bytes.Length > 0)
            {
                using var json = JsonDocument.Parse(bytes);
                if (json.RootElement.TryGetProperty("error", out var error))
                {
                    code = error.TryGetProperty("code", out var c) ? c.GetString() ?? code : code;
                    message = error.TryGetProperty("message", out var m) ? m.GetString() ?? message : message;
                }
            }
        }
        catch (JsonException)
        {
            message = "The service's error body is not JSON.";
        }

        return new AcsRequestException(status, code, message, retryAfter);
    }

    private static string Operation(string path) => path[(path.LastIndexOf('/') + 1)..] is var last && last.StartsWith(':') ? last : path.Split('/')[0];
}
