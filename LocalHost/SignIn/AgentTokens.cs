using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Protocols.Jwt;

namespace Collab.LocalHost.SignIn;

/// <summary>
/// The local stand-in for the Entra bearer tokens App Service Authentication accepts for the MCP endpoint: an HS256
/// JWT (<c>sub</c>, <c>name</c>, <c>aud</c>, <c>iat</c>, <c>exp</c>, <c>jti</c>) for a signed-in user, signed with a key
/// derived from the host's sign-in key (HKDF-SHA256, info <c>collab agent token</c>), so it dies with the host, as the
/// sign-in cookie does. Its audience is the MCP endpoint (<c>{origin}/api/mcp</c>, RFC 8707's resource), so a token
/// is taken only by the origin that issued it.
/// </summary>
public sealed class AgentTokens
{
    /// <summary>The longest lifetime a token may have, and the default.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(12);

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    /// <summary>Derives the token key from the host's sign-in key.</summary>
    public AgentTokens(byte[] signInKey, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(signInKey);
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, signInKey, 32, info: Encoding.UTF8.GetBytes("collab agent token"));
        _time = time;
    }

    /// <summary>The protected resource a token is for: the MCP endpoint of <paramref name="origin"/>.</summary>
    public static string ResourceOf(string origin) => origin + "/api/mcp";

    /// <summary>A token for <paramref name="user"/> at <paramref name="origin"/>, valid for <paramref name="lifetime"/> (at most <see cref="MaxLifetime"/>).</summary>
    public (string Token, DateTimeOffset ExpiresOn) Issue(DevPrincipal user, string origin, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
        var expiresOn = now + (lifetime > MaxLifetime || lifetime <= TimeSpan.Zero ? MaxLifetime : lifetime);
        var token = Hs256Jwt.Create(
            new JsonObject
            {
                ["sub"] = user.UserId,
                ["name"] = user.Name,
                ["aud"] = ResourceOf(origin),
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = expiresOn.ToUnixTimeSeconds(),
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            _key);
        return (token, expiresOn);
    }

    /// <summary>The user a token names, or null when it is not one of this host's, is for another origin, or has expired.</summary>
    public DevPrincipal? Validate(string token, string origin)
    {
        if (Hs256Jwt.Validate(token, _key, _time.GetUtcNow(), out _) is not { } payload)
        {
            return null;
        }

        var iat = payload.TryGetProperty("iat", out var issued) && issued.TryGetInt64(out var seconds) ? seconds : long.MaxValue;
        var exp = payload.GetProperty("exp").GetInt64();
        if (exp - iat > (long)MaxLifetime.TotalSeconds
            || String(payload, "aud") != ResourceOf(origin)
            || String(payload, "sub") is not { Length: > 0 } sub
            || String(payload, "name") is not { Length: > 0 } name)
        {
            return null;
        }

        return new DevPrincipal(sub, name);
    }

    private static string? String(JsonElement payload, string claim) =>
        payload.TryGetProperty(claim, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
