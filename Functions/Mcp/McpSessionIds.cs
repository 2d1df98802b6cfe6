using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Functions.Identity;
using Collab.Functions.WebPubSub;
using Collab.Protocols.Jwt;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace Collab.Functions.Mcp;

/// <summary>
/// The <c>Mcp-Session-Id</c> this server issues at <c>initialize</c>, which is how a stateless server remembers the
/// client's <c>clientInfo</c> (the agent's name) across requests: the SDK's stateless mode keeps nothing between
/// requests (2.4.0 carries no session id at all), and a client on protocol 2025-11-25 or earlier sends
/// <c>clientInfo</c> only in <c>initialize</c>, then echoes the session id on every request. The id is an HS256 JWT
/// (<see cref="Hs256Jwt"/>) naming the agent and a hash of the user, valid for <see cref="Lifetime"/>, keyed with
/// HKDF-SHA256 (info <see cref="KeyPurpose"/>) of the Web PubSub access keys, which every instance holds: any instance
/// opens what another issued, and rotating the keys (the secondary is accepted too) ends the old ids, whose clients
/// get 404 and initialize again, as the Streamable HTTP transport provides.
/// </summary>
/// <remarks>The id is not a credential: every request still needs the signed-in principal, and an id opens only for the user it was issued to.</remarks>
public sealed class McpSessionIds
{
    /// <summary>The HKDF info that keeps these keys apart from any other use of the access keys.</summary>
    public const string KeyPurpose = "collab mcp session";

    /// <summary>How long an id is honoured.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private readonly byte[][] _keys;
    private readonly TimeProvider _time;

    /// <summary>Keys from the Web PubSub access keys.</summary>
    public McpSessionIds(IOptions<WebPubSubOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = [.. options.Value.AccessKeys().Select(k => HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(k), 32, salt: [], info: Encoding.UTF8.GetBytes(KeyPurpose)))];
        _time = time;
    }

    /// <summary>A session id for <paramref name="user"/>'s agent <paramref name="client"/>.</summary>
    public string Issue(SignedInUser user, Implementation client)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(client);
        var now = _time.GetUtcNow();
        return Hs256Jwt.Create(
            new JsonObject
            {
                ["sub"] = UserHash(user),
                ["agent"] = McpCaller.AgentOf(client),
                ["ver"] = Clip(client.Version),
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = (now + Lifetime).ToUnixTimeSeconds(),
            },
            _keys[0]);
    }

    /// <summary>The agent an id issued to <paramref name="user"/> names; null when it is malformed, expired, not ours or another user's.</summary>
    public Implementation? Open(string? sessionId, SignedInUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        foreach (var key in _keys)
        {
            if (Hs256Jwt.Validate(sessionId, key, _time.GetUtcNow(), out _) is { } payload
                && payload.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String && sub.GetString() == UserHash(user)
                && payload.TryGetProperty("agent", out var agent) && agent.ValueKind == JsonValueKind.String)
            {
                return new Implementation
                {
                    Name = agent.GetString()!,
                    Version = payload.TryGetProperty("ver", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString()! : "",
                };
            }
        }

        return null;
    }

    // The id travels in a header the client stores: it names the user only by a hash.
    private static string UserHash(SignedInUser user) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user.UserId)));

    private static string Clip(string? value)
    {
        var text = new string((value ?? "").Where(c => !char.IsControl(c)).ToArray());
        return text.Length <= 32 ? text : text[..32];
    }
}
