using System.Security.Cryptography;
using Collab.Protocols.Jwt;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsIdentity;

/// <summary>
/// Signs and checks the ACS user tokens the emulator mints (shared/protocols/acs-identity.md §10.2, §10.4): the HS256
/// signature under a key derived from the access key, the expiry, and whether the identity still exists and the token
/// was not revoked. Used by the identity endpoint's <c>/emulator/tokens/:validate</c> and by chat's bearer auth.
/// </summary>
public sealed class AcsUserTokenValidator(IdentityStore store, IOptions<AcsIdentityEmulatorOptions> options, TimeProvider time)
{
    /// <summary>The HS256 key of the emulator's user tokens.</summary>
    internal byte[] SigningKey { get; } = HMACSHA256.HashData(Convert.FromBase64String(options.Value.AccessKey), "acs-emulator-token-signing"u8);

    /// <summary>Checks <paramref name="token"/>; the result names the identity and scopes, or why the token is refused.</summary>
    public AcsUserTokenCheck Validate(string? token)
    {
        var payload = Hs256Jwt.Validate(token, SigningKey, time.GetUtcNow(), out var error);
        if (payload is not { } claims)
        {
            return AcsUserTokenCheck.Refused(error.Contains("expired", StringComparison.Ordinal) ? "expired" : "invalid");
        }

        if (!claims.TryGetProperty("skypeid", out var skypeId) || skypeId.GetString() is not { Length: > 0 } skype
            || !claims.TryGetProperty("jti", out var jti) || jti.GetString() is not { Length: > 0 } tokenId)
        {
            return AcsUserTokenCheck.Refused("invalid");
        }

        var identity = "8:" + skype;
        var state = store.TokenState(identity, tokenId);
        if (state != "active")
        {
            return AcsUserTokenCheck.Refused(state);
        }

        var scopes = claims.TryGetProperty("acsScope", out var scope) ? scope.GetString()?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [] : [];
        return new AcsUserTokenCheck(identity, scopes, null);
    }
}

/// <summary>The outcome of <see cref="AcsUserTokenValidator.Validate"/>.</summary>
/// <param name="Identity">The caller's identity (<c>8:</c> + <c>skypeid</c>) when valid.</param>
/// <param name="Scopes">The token's <c>acsScope</c> entries.</param>
/// <param name="Reason">Null when valid, else <c>invalid</c>, <c>expired</c>, <c>revoked</c>, <c>deleted</c> or <c>unknown</c>.</param>
public sealed record AcsUserTokenCheck(string? Identity, IReadOnlyList<string> Scopes, string? Reason)
{
    /// <summary>True when the token may be used.</summary>
    public bool IsValid => Reason is null;

    internal static AcsUserTokenCheck Refused(string reason) => new(null, [], reason);
}
