using System.Buffers;
using System.Text.Json;
using Collab.Protocols.Jwt;

namespace Collab.Protocols.WebPubSub;

/// <summary>
/// The bearer token of a REST data-plane call (shared/protocols/web-pubsub.md §5.1): HS256 under the UTF-8 access
/// key with <c>aud</c> = the full request URL, query included, as both SDKs send it.
/// </summary>
public static class RestAccessToken
{
    /// <summary>Mints a token for one request.</summary>
    public static string Create(Uri requestUri, DateTimeOffset now, TimeSpan lifetime, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        var payload = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(payload, JwtJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("iat", now.ToUnixTimeSeconds());
            writer.WriteNumber("exp", (now + lifetime).ToUnixTimeSeconds());
            writer.WriteString("aud", requestUri.AbsoluteUri);
            writer.WriteEndObject();
        }

        return Hs256Jwt.Sign(payload.WrittenSpan, key);
    }
}
