using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Collab.Boards.Model;

namespace Collab.Functions.Hub;

/// <summary>
/// Seals a <see cref="ConnectionState"/> into the <c>ce-connectionState</c> header value and opens it again: base64 of
/// a format byte, the state's JSON, and an HMAC-SHA256 tag over both (the header stays base64, as §4.8 asks). The HMAC key is derived with HKDF-SHA256 (info
/// <c>collab connection state</c>) from a Web PubSub access key, which only the app and the service hold; states are
/// sealed with the first key and opened with any, so a state issued before a key rotation still opens.
/// </summary>
public sealed class ConnectionStateSealer
{
    /// <summary>The HKDF info that keeps these keys apart from any other use of the access keys.</summary>
    public const string KeyPurpose = "collab connection state";

    private const byte Format = 1;
    private const int TagBytes = 32;

    // A sealed state is a few hundred bytes; anything far larger is refused before it is decoded.
    private const int MaxHeaderLength = 4096;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly byte[][] _keys;

    /// <summary>A sealer over the access keys upstream events may be signed with, the one to seal with first.</summary>
    public ConnectionStateSealer(IEnumerable<string> accessKeys)
    {
        ArgumentNullException.ThrowIfNull(accessKeys);
        _keys = accessKeys.Where(k => k.Length > 0).Select(DeriveKey).ToArray();
        if (_keys.Length == 0)
        {
            throw new ArgumentException("At least one access key is needed.", nameof(accessKeys));
        }
    }

    /// <summary>The header value for <paramref name="state"/>.</summary>
    public string Seal(ConnectionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var payload = JsonSerializer.SerializeToUtf8Bytes(state, Json);
        var sealedState = new byte[1 + payload.Length + TagBytes];
        sealedState[0] = Format;
        payload.CopyTo(sealedState, 1);
        HMACSHA256.HashData(_keys[0], sealedState.AsSpan(0, 1 + payload.Length), sealedState.AsSpan(1 + payload.Length));
        return Convert.ToBase64String(sealedState);
    }

    /// <summary>The state sealed in <paramref name="header"/>; null when it is absent, malformed or not sealed by this app's keys.</summary>
    public ConnectionState? Open(string? header)
    {
        if (string.IsNullOrEmpty(header) || header.Length > MaxHeaderLength)
        {
            return null;
        }

        var bytes = new byte[header.Length];
        if (!Convert.TryFromBase64String(header, bytes, out var length) || length <= 1 + TagBytes || bytes[0] != Format)
        {
            return null;
        }

        var sealedPart = bytes.AsSpan(0, length - TagBytes);
        var tag = bytes.AsSpan(length - TagBytes, TagBytes);
        Span<byte> expected = stackalloc byte[TagBytes];
        var valid = false;
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key, sealedPart, expected);
            valid |= CryptographicOperations.FixedTimeEquals(expected, tag);
        }

        if (!valid)
        {
            return null;
        }

        try
        {
            // Sealed by us, so well formed; checked anyway so that a bug in an older version cannot admit a bad state.
            return JsonSerializer.Deserialize<ConnectionState>(sealedPart[1..], Json) is { BoardId: { } boardId, Name: not null, Role: { } role, ConnectionId.Length: > 0, UserId.Length: > 0 } state
                && BoardId.IsValid(boardId)
                && role is BoardRoles.Owner or BoardRoles.Editor or BoardRoles.Viewer
                ? state
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] DeriveKey(string accessKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(accessKey), 32, salt: [], info: Encoding.UTF8.GetBytes(KeyPurpose));
}
