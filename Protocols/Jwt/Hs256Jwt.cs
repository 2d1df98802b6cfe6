using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Collab.Protocols.Jwt;

/// <summary>
/// Compact HS256 JSON Web Tokens, as both Web PubSub (client and REST tokens) and the ACS emulator use them.
/// Hand-written because the token handlers in Microsoft.IdentityModel remap claim names such as <c>sub</c> and <c>role</c>.
/// </summary>
public static class Hs256Jwt
{
    private static readonly string EncodedHeader = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);

    /// <summary>Signs <paramref name="payload"/> with HMAC-SHA256 under <paramref name="key"/>.</summary>
    public static string Create(JsonObject payload, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return Sign(JsonSerializer.SerializeToUtf8Bytes(payload), key);
    }

    /// <summary>
    /// Signs an already serialised payload, byte for byte, so callers that must control claim order and
    /// formatting (the Fluid and Web PubSub reference implementations) can write it with a <see cref="Utf8JsonWriter"/>.
    /// </summary>
    public static string Sign(ReadOnlySpan<byte> payloadJson, ReadOnlySpan<byte> key)
    {
        var headerLength = EncodedHeader.Length;
        var bodyLength = Base64Url.GetEncodedLength(payloadJson.Length);
        var signingLength = headerLength + 1 + bodyLength;
        var total = signingLength + 1 + Base64Url.GetEncodedLength(HMACSHA256.HashSizeInBytes);
        Span<byte> buffer = total <= 1024 ? stackalloc byte[total] : new byte[total];

        Encoding.ASCII.GetBytes(EncodedHeader, buffer);
        buffer[headerLength] = (byte)'.';
        Base64Url.EncodeToUtf8(payloadJson, buffer[(headerLength + 1)..]);
        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, buffer[..signingLength], signature);
        buffer[signingLength] = (byte)'.';
        Base64Url.EncodeToUtf8(signature, buffer[(signingLength + 1)..]);
        return Encoding.ASCII.GetString(buffer);
    }

    /// <summary>
    /// Checks the signature (constant time), the algorithm and the <c>exp</c>/<c>nbf</c> claims against <paramref name="now"/>.
    /// The audience is left to the caller because each protocol compares it differently.
    /// </summary>
    /// <returns>The payload, or <see langword="null"/> with <paramref name="error"/> saying why the token was refused.</returns>
    public static JsonElement? Validate(string? token, ReadOnlySpan<byte> key, DateTimeOffset now, out string error)
    {
        error = "";
        if (string.IsNullOrEmpty(token) || token.Length > 16 * 1024)
        {
            error = "The token is missing or too long.";
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            error = "The token is not a compact JWS.";
            return null;
        }

        try
        {
            using (var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])))
            {
                if (!header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != "HS256")
                {
                    error = "The token algorithm must be HS256.";
                    return null;
                }
            }

            var expected = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
            if (!CryptographicOperations.FixedTimeEquals(expected, Base64Url.DecodeFromChars(parts[2])))
            {
                error = "The token signature is invalid.";
                return null;
            }

            using var payloadDocument = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            var payload = payloadDocument.RootElement.Clone();
            if (payload.ValueKind != JsonValueKind.Object)
            {
                error = "The token payload is not a JSON object.";
                return null;
            }

            var seconds = now.ToUnixTimeSeconds();
            if (!payload.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var expSeconds))
            {
                error = "The token has no numeric exp claim.";
                return null;
            }

            if (expSeconds <= seconds)
            {
                error = "The token has expired.";
                return null;
            }

            if (payload.TryGetProperty("nbf", out var nbf) && nbf.TryGetInt64(out var nbfSeconds) && nbfSeconds > seconds + 300)
            {
                error = "The token is not valid yet.";
                return null;
            }

            return payload;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            error = "The token is malformed.";
            return null;
        }
    }

    /// <summary>Reads a claim that may be a single string or an array of strings, as Web PubSub allows for <c>role</c> and <c>webpubsub.group</c>.</summary>
    public static IReadOnlyList<string> ReadStrings(JsonElement payload, string claim)
    {
        if (!payload.TryGetProperty(claim, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray(),
            _ => [],
        };
    }
}
