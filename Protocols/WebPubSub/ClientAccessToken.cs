using System.Buffers;
using System.Text.Json;
using Collab.Protocols.Jwt;

namespace Collab.Protocols.WebPubSub;

/// <summary>
/// Client access tokens in access-key mode (shared/protocols/web-pubsub.md §3.1): HS256 under the UTF-8 bytes of the
/// access key, with the claims in the order <c>@azure/web-pubsub</c> writes them (<c>role</c>, <c>webpubsub.group</c>,
/// <c>iat</c>, <c>exp</c>, <c>aud</c>, <c>sub</c>), so our tokens and the SDK's can be compared byte for byte.
/// </summary>
public static class ClientAccessToken
{
    /// <summary>Mints a token for <paramref name="audience"/> (see <see cref="WebPubSubConnectionString.ClientAudience"/>).</summary>
    /// <param name="audience">The <c>aud</c> claim, <c>{endpoint}client/hubs/{hub}</c>.</param>
    /// <param name="userId">The <c>sub</c> claim; omitted when null.</param>
    /// <param name="roles">The <c>role</c> claim; omitted when empty.</param>
    /// <param name="groups">The <c>webpubsub.group</c> claim; omitted when empty.</param>
    /// <param name="issuedAt">The <c>iat</c> claim.</param>
    /// <param name="expiresAt">The <c>exp</c> claim.</param>
    /// <param name="key">The UTF-8 bytes of the access key.</param>
    /// <param name="customClaims">Extra string claims, written last; the service passes them to the <c>connect</c> event.</param>
    public static string Create(
        string audience,
        string? userId,
        IReadOnlyList<string> roles,
        IReadOnlyList<string> groups,
        DateTimeOffset issuedAt,
        DateTimeOffset expiresAt,
        ReadOnlySpan<byte> key,
        IReadOnlyList<KeyValuePair<string, string>>? customClaims = null)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(groups);

        var payload = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(payload, JwtJson.WriterOptions))
        {
            writer.WriteStartObject();
            WriteArray(writer, "role", roles);
            WriteArray(writer, "webpubsub.group", groups);
            writer.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            writer.WriteNumber("exp", expiresAt.ToUnixTimeSeconds());
            writer.WriteString("aud", audience);
            if (userId is not null)
            {
                writer.WriteString("sub", userId);
            }

            foreach (var (name, value) in customClaims ?? [])
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return Hs256Jwt.Sign(payload.WrittenSpan, key);
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
