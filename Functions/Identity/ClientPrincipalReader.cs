using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Identity;

/// <summary>
/// Reads the caller from the headers App Service Authentication (Easy Auth) sets: <c>X-MS-CLIENT-PRINCIPAL</c>
/// (base64 JSON with <c>auth_typ</c>, <c>claims</c>, <c>name_typ</c>, <c>role_typ</c>), <c>X-MS-CLIENT-PRINCIPAL-ID</c>
/// and <c>X-MS-CLIENT-PRINCIPAL-NAME</c>. Easy Auth strips these headers from incoming requests and sets them itself,
/// so with it enabled they cannot be forged; identity is never read from anywhere else.
/// </summary>
public static class ClientPrincipalReader
{
    /// <summary>The base64 principal header.</summary>
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The stable user id header.</summary>
    public const string IdHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    /// <summary>The display name header.</summary>
    public const string NameHeader = "X-MS-CLIENT-PRINCIPAL-NAME";

    private const int MaxPrincipalLength = 32 * 1024;
    private const int MaxIdLength = 256;
    private const int MaxNameLength = 128;

    /// <summary>The signed-in user, or null when the headers are absent or malformed.</summary>
    public static SignedInUser? Read(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var encoded = headers[PrincipalHeader].ToString();
        var userId = headers[IdHeader].ToString().Trim();
        if (encoded.Length is 0 or > MaxPrincipalLength || userId.Length is 0 or > MaxIdLength || HasControlCharacters(userId))
        {
            return null;
        }

        byte[] json;
        try
        {
            json = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var principal = document.RootElement;
            if (principal.ValueKind != JsonValueKind.Object
                || !principal.TryGetProperty("auth_typ", out var authType) || authType.ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(authType.GetString()))
            {
                return null;
            }

            var name = headers[NameHeader].ToString().Trim();
            if (name.Length == 0)
            {
                name = ClaimValue(principal, principal.TryGetProperty("name_typ", out var nameType) && nameType.ValueKind == JsonValueKind.String ? nameType.GetString()! : "name") ?? userId;
            }

            name = new string(name.Where(c => !char.IsControl(c)).Take(MaxNameLength).ToArray());
            return new SignedInUser(userId, name.Length > 0 ? name : userId, authType.GetString()!);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ClaimValue(JsonElement principal, string type)
    {
        if (!principal.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var claim in claims.EnumerateArray())
        {
            if (claim.ValueKind == JsonValueKind.Object
                && claim.TryGetProperty("typ", out var typ) && typ.ValueKind == JsonValueKind.String && typ.GetString() == type
                && claim.TryGetProperty("val", out var val) && val.ValueKind == JsonValueKind.String)
            {
                return val.GetString();
            }
        }

        return null;
    }

    private static bool HasControlCharacters(string value) => value.Any(char.IsControl);
}
