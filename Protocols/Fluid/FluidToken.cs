using System.Buffers;
using System.Text;
using System.Text.Json;
using Collab.Protocols.Jwt;

namespace Collab.Protocols.Fluid;

/// <summary>
/// Fluid Relay tokens as <c>generateToken</c> of <c>@fluidframework/azure-service-utils</c> writes them
/// (shared/protocols/fluid-relay.md §2–§3): HS256 keyed with the UTF-8 bytes of the tenant key, claims in the order
/// <c>documentId, scopes, tenantId, user, iat, exp, ver, jti</c>.
/// </summary>
public static class FluidToken
{
    /// <summary>The longest lifetime Fluid Relay accepts.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>The only token version Fluid Relay accepts.</summary>
    public const string Version = "1.0";

    /// <summary>Signs <paramref name="claims"/> with <paramref name="tenantKey"/>.</summary>
    /// <exception cref="ArgumentException">The scopes are empty, the user lacks an id or name, or the lifetime exceeds an hour.</exception>
    public static string Create(FluidTokenClaims claims, string tenantKey)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentException.ThrowIfNullOrEmpty(tenantKey);
        if (claims.Scopes.Count == 0)
        {
            throw new ArgumentException("A Fluid token needs at least one scope.", nameof(claims));
        }

        if (string.IsNullOrEmpty(claims.UserId) || string.IsNullOrEmpty(claims.UserName))
        {
            throw new ArgumentException("A Fluid token's user needs both an id and a name.", nameof(claims));
        }

        var lifetime = claims.ExpiresAt - claims.IssuedAt;
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentException("A Fluid token lives more than zero and at most 3600 seconds.", nameof(claims));
        }

        var payload = new ArrayBufferWriter<byte>(384);
        using (var writer = new Utf8JsonWriter(payload, JwtJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("documentId", claims.DocumentId);
            writer.WriteStartArray("scopes");
            foreach (var scope in claims.Scopes)
            {
                writer.WriteStringValue(scope);
            }

            writer.WriteEndArray();
            writer.WriteString("tenantId", claims.TenantId);
            writer.WriteStartObject("user");
            writer.WriteString("id", claims.UserId);
            writer.WriteString("name", claims.UserName);
            if (claims.AdditionalDetails is not null)
            {
                writer.WritePropertyName("additionalDetails");
                claims.AdditionalDetails.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            writer.WriteNumber("exp", claims.ExpiresAt.ToUnixTimeSeconds());
            writer.WriteString("ver", Version);
            writer.WriteString("jti", claims.TokenId.ToString("D"));
            writer.WriteEndObject();
        }

        return Hs256Jwt.Sign(payload.WrittenSpan, Encoding.UTF8.GetBytes(tenantKey));
    }
}
