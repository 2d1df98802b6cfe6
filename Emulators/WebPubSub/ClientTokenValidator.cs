using System.Text;
using System.Text.Json;
using Collab.Protocols.Jwt;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.WebPubSub;

/// <summary>Checks client access tokens: HS256 under either access key, <c>exp</c>, and <c>aud</c> = the hub's client URL.</summary>
public sealed class ClientTokenValidator(IOptions<WebPubSubEmulatorOptions> options, TimeProvider time)
{
    /// <summary>Validates <paramref name="token"/> for <paramref name="hub"/> as reached through <paramref name="request"/>.</summary>
    /// <returns>The payload, or null with the reason in <paramref name="error"/>.</returns>
    public JsonElement? Validate(string? token, string hub, HttpRequest request, out string error)
    {
        JsonElement? payload = null;
        error = "";
        foreach (var key in options.Value.Keys)
        {
            payload = Hs256Jwt.Validate(token, Encoding.UTF8.GetBytes(key), time.GetUtcNow(), out error);
            if (payload is not null)
            {
                break;
            }
        }

        if (payload is not { } claims)
        {
            return null;
        }

        var audience = claims.TryGetProperty("aud", out var aud) && aud.ValueKind == JsonValueKind.String ? aud.GetString()!.TrimEnd('/') : "";
        var scheme = request.IsHttps ? "https" : "http";
        var expected = $"{scheme}://{request.Host}/client/hubs/{hub}";
        if (!audience.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            error = "The token audience does not match this hub's client endpoint.";
            return null;
        }

        return claims;
    }
}
