using System.Text;
using System.Text.Json;
using Collab.Protocols.Jwt;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.WebPubSub;

/// <summary>
/// Authenticates REST data-plane calls: <c>Authorization: Bearer</c> HS256 JWT whose <c>aud</c> is the request URL,
/// with or without its query (both SDKs send the full URL; the docs say without) — shared/protocols/web-pubsub.md §5.1.
/// </summary>
public sealed class RestTokenValidator(IOptions<WebPubSubEmulatorOptions> options, TimeProvider time)
{
    /// <summary>Null when the request is authenticated, else the reason it is not.</summary>
    public string? Check(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "A Bearer token is required.";
        }

        var token = header["Bearer ".Length..].Trim();
        string error = "";
        foreach (var key in options.Value.Keys)
        {
            if (Hs256Jwt.Validate(token, Encoding.UTF8.GetBytes(key), time.GetUtcNow(), out error) is { } claims)
            {
                var audience = claims.TryGetProperty("aud", out var aud) && aud.ValueKind == JsonValueKind.String ? aud.GetString()! : "";
                return AudienceMatches(audience, request) ? null : "The token audience does not match the request URL.";
            }
        }

        return error;
    }

    private static bool AudienceMatches(string audience, HttpRequest request)
    {
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.GetEncodedPathAndQuery();
        var origin = $"{request.Scheme}://{request.Host}";
        var full = origin + rawTarget;
        var queryStart = full.IndexOf('?');
        string[] accepted = queryStart < 0 ? [full] : [full, full[..queryStart]];
        return accepted.Any(a => Same(a, audience) || Same(Uri.UnescapeDataString(a), Uri.UnescapeDataString(audience)));

        static bool Same(string a, string b) => a.TrimEnd('/').Equals(b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
    }
}
