using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Protocols.Jwt;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsIdentity;

/// <summary>
/// The ACS Identity data plane at the root of its own origin: create identity (optionally with a token), issue,
/// revoke, delete and the Teams token exchange, with the service's status codes and error bodies
/// (shared/protocols/acs-identity.md §3–§6, §13).
/// </summary>
public sealed class AcsIdentityEndpoint(
    IdentityStore store,
    AcsRequestAuthenticator authenticator,
    AcsUserTokenValidator tokens,
    IOptions<AcsIdentityEmulatorOptions> options,
    TimeProvider time,
    ILogger<AcsIdentityEndpoint> logger)
{
    private const int MaxBodyBytes = 64 * 1024;
    private static readonly string[] KnownScopes = ["chat", "voip", "chat.join", "chat.join.limited", "voip.join"];

    /// <summary>Handles one request.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers["api-supported-versions"] = string.Join(", ", options.Value.ApiVersions);
        var body = await AcsResponses.ReadBodyAsync(request, MaxBodyBytes);
        if (body is null)
        {
            await ErrorAsync(context, 413, "RequestBodyTooLarge", "The request body exceeds 64 KB.");
            return;
        }

        var segments = request.Path.Value!.Trim('/').Split('/');
        if (request.Method == "POST" && segments is ["emulator", "tokens", ":validate"])
        {
            await ValidateTokenAsync(context, body);
            return;
        }

        if (authenticator.Verify(request, body) is { } reason)
        {
            logger.LogInformation("Refused {Method} {Path}: {Reason}", request.Method, request.Path, reason);
            await ErrorAsync(context, 401, "Denied", "Denied by the resource provider.");
            return;
        }

        if (AcsResponses.ApiVersionError(request, options.Value.ApiVersions) is { } versionError)
        {
            await ErrorAsync(context, 400, versionError.Code, versionError.Message);
            return;
        }

        JsonElement json;
        try
        {
            using var document = body.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(body);
            json = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            await ErrorAsync(context, 400, "InvalidRequestBody", "The request body is not valid JSON.");
            return;
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            await ErrorAsync(context, 400, "InvalidRequestBody", "The request body must be a JSON object.");
            return;
        }

        switch (request.Method, segments)
        {
            case ("POST", ["identities"]):
                await CreateAsync(context, json);
                break;
            case ("DELETE", ["identities", var id]):
                await WithIdentityAsync(context, id, () => store.Delete(id), 204);
                break;
            case ("POST", ["identities", var id, ":revokeAccessTokens"]):
                await WithIdentityAsync(context, id, () => store.RevokeAll(id), 204);
                break;
            case ("POST", ["identities", var id, ":issueAccessToken"]):
                await IssueAsync(context, id, json);
                break;
            case ("POST", ["teamsUser", ":exchangeAccessToken"]):
                await ExchangeTeamsTokenAsync(context, json);
                break;
            default:
                await ErrorAsync(context, 404, "NotFound", "The resource was not found.");
                break;
        }
    }

    private async Task CreateAsync(HttpContext context, JsonElement json)
    {
        var scopes = ReadScopes(json, "createTokenWithScopes", out var scopeError);
        var expiryError = ReadExpiry(json, out var minutes);
        if ((scopeError ?? expiryError) is { } validation)
        {
            await ValidationErrorAsync(context, validation);
            return;
        }

        var id = $"8:acs:{options.Value.ResourceId}_{Guid.NewGuid()}";
        store.Add(id);
        object result = scopes is { Count: > 0 }
            ? new { identity = new { id }, accessToken = Mint(id, scopes, minutes) }
            : new { identity = new { id } };
        await JsonAsync(context, 201, result);
    }

    private async Task IssueAsync(HttpContext context, string id, JsonElement json)
    {
        var scopes = ReadScopes(json, "scopes", out var scopeError);
        if (scopeError is null && scopes is not { Count: > 0 })
        {
            scopeError = ("scopes", "Invalid scopes - Scopes field is required.");
        }

        var expiryError = ReadExpiry(json, out var minutes);
        if ((scopeError ?? expiryError) is { } validation)
        {
            await ValidationErrorAsync(context, validation);
            return;
        }

        if (!store.Exists(id))
        {
            await NotOwnedAsync(context);
            return;
        }

        await JsonAsync(context, 200, Mint(id, scopes!, minutes));
    }

    private async Task ExchangeTeamsTokenAsync(HttpContext context, JsonElement json)
    {
        // A local stand-in cannot check an Entra signature; it checks that the token's appid/oid match the request.
        var token = json.TryGetProperty("token", out var t) ? t.GetString() : null;
        var appId = json.TryGetProperty("appId", out var a) ? a.GetString() : null;
        var userId = json.TryGetProperty("userId", out var u) ? u.GetString() : null;
        if (string.IsNullOrEmpty(token) || string.IsNullOrEmpty(appId) || string.IsNullOrEmpty(userId))
        {
            await ValidationErrorAsync(context, ("token", "The token, appId and userId fields are required."));
            return;
        }

        var claims = ReadUnverifiedPayload(token);
        if (claims is not { } payload
            || !payload.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var expSeconds) || expSeconds <= time.GetUtcNow().ToUnixTimeSeconds()
            || payload.TryGetProperty("appid", out var appIdClaim) is false || appIdClaim.GetString() != appId
            || payload.TryGetProperty("oid", out var oidClaim) is false || oidClaim.GetString() != userId)
        {
            context.Response.StatusCode = 401;
            return;
        }

        var id = "8:orgid:" + userId;
        store.Add(id);
        await JsonAsync(context, 200, Mint(id, ["voip"], 60));
    }

    private async Task ValidateTokenAsync(HttpContext context, byte[] body)
    {
        string? token = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            token = document.RootElement.TryGetProperty("token", out var t) ? t.GetString() : null;
        }
        catch (JsonException)
        {
        }

        var check = tokens.Validate(token);
        await JsonAsync(context, 200, new { valid = check.IsValid, reason = check.Reason });
    }

    private object Mint(string id, IReadOnlyList<string> scopes, int minutes)
    {
        var now = time.GetUtcNow();
        var iat = now.ToUnixTimeSeconds();
        var exp = iat + minutes * 60L;
        var tokenId = Guid.NewGuid().ToString("N");
        var payload = new JsonObject
        {
            ["skypeid"] = id[2..],
            ["scp"] = 1792,
            ["csi"] = iat.ToString(CultureInfo.InvariantCulture),
            ["exp"] = exp,
            ["acsScope"] = string.Join(',', scopes),
            ["resourceId"] = options.Value.ResourceId.ToString(),
            ["iat"] = iat,
            ["jti"] = tokenId,
        };
        store.RecordToken(id, tokenId);
        return new
        {
            token = Hs256Jwt.Create(payload, tokens.SigningKey),
            expiresOn = DateTimeOffset.FromUnixTimeSeconds(exp).ToString("o", CultureInfo.InvariantCulture),
        };
    }

    private static List<string>? ReadScopes(JsonElement json, string property, out (string Target, string Message)? error)
    {
        error = null;
        if (!json.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array
            || value.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String || !KnownScopes.Contains(s.GetString())))
        {
            error = (property, "Invalid scopes - Scopes must be a list of chat, voip, chat.join, chat.join.limited or voip.join.");
            return null;
        }

        var scopes = value.EnumerateArray().Select(s => s.GetString()!).Distinct().ToList();
        if (property == "scopes" && scopes.Count == 0)
        {
            error = ("scopes", "Invalid scopes - Scopes field is required.");
        }

        return scopes;
    }

    private static (string Target, string Message)? ReadExpiry(JsonElement json, out int minutes)
    {
        minutes = 1440;
        if (!json.TryGetProperty("expiresInMinutes", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (!value.TryGetInt32(out minutes) || minutes is < 60 or > 1440)
        {
            return ("ExpiresInMinutes", $"ExpiresInMinutes value {value.GetRawText()} is invalid.");
        }

        return null;
    }

    private async Task WithIdentityAsync(HttpContext context, string id, Func<bool> action, int successStatus)
    {
        if (!action())
        {
            await NotOwnedAsync(context);
            return;
        }

        context.Response.StatusCode = successStatus;
    }

    private static JsonElement? ReadUnverifiedPayload(string token)
    {
        var parts = token.Split('.');
        if (parts.Length < 2)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static Task NotOwnedAsync(HttpContext context) =>
        ErrorAsync(context, 401, "IdentityNotOwned", "Provided identity doesn't belong to the resource.");

    private static Task ValidationErrorAsync(HttpContext context, (string Target, string Message) error) =>
        JsonAsync(context, 400, new { error = new { code = "ValidationError", message = error.Message, target = error.Target } });

    private static Task ErrorAsync(HttpContext context, int status, string code, string message) =>
        AcsResponses.ErrorAsync(context, status, code, message);

    private static Task JsonAsync(HttpContext context, int status, object body) =>
        AcsResponses.JsonAsync(context, status, body);
}
