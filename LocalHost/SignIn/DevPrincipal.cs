using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Collab.LocalHost.SignIn;

/// <summary>
/// The dev sign-in's user, carried in a signed cookie and turned into the headers App Service Authentication sets,
/// so the functions see exactly what they see on Azure.
/// </summary>
/// <param name="UserId">A stable id derived from the name.</param>
/// <param name="Name">The display name chosen at sign-in.</param>
public sealed record DevPrincipal(string UserId, string Name)
{
    /// <summary>The cookie name.</summary>
    public const string CookieName = "CollabDevSignIn";

    /// <summary>The identity provider reported in <c>auth_typ</c>.</summary>
    public const string Provider = "dev";

    /// <summary>The user for a display name: the same name always gives the same id.</summary>
    public static DevPrincipal ForName(string name) =>
        new("dev-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.Trim().ToLowerInvariant())))[..16], name.Trim());

    /// <summary>The cookie value, signed with <paramref name="key"/>.</summary>
    public string ToCookie(byte[] key)
    {
        var payload = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this));
        return payload + "." + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload)));
    }

    /// <summary>Reads a cookie value; null unless its signature checks out.</summary>
    public static DevPrincipal? FromCookie(string? cookie, byte[] key)
    {
        var dot = cookie?.LastIndexOf('.') ?? -1;
        if (cookie is null || dot <= 0)
        {
            return null;
        }

        var payload = cookie[..dot];
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload));
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(cookie[(dot + 1)..])))
            {
                return null;
            }

            return JsonSerializer.Deserialize<DevPrincipal>(Convert.FromBase64String(payload));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The <c>X-MS-CLIENT-PRINCIPAL</c> value: base64 JSON with <c>auth_typ</c>, <c>claims</c>, <c>name_typ</c>, <c>role_typ</c>.</summary>
    public string ToClientPrincipal() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new
    {
        auth_typ = Provider,
        claims = new[]
        {
            new { typ = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier", val = UserId },
            new { typ = "name", val = Name },
        },
        name_typ = "name",
        role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
    }));
}
