using Collab.Boards.Errors;
using Collab.Functions.Identity;
using Collab.Protocols.Fluid;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tokens;

/// <summary>
/// Fluid Relay tokens for the signed-in user (shared/protocols/fluid-relay.md): the user claim is always the
/// caller's id and name, the tenant must be ours, the scopes a subset of the allowed ones, and the lifetime at most
/// an hour with a fresh <c>jti</c>.
/// </summary>
public sealed class FluidTokenIssuer(IOptions<FluidRelayOptions> options, TimeProvider time)
{
    /// <summary>Mints the token for <paramref name="request"/>.</summary>
    /// <exception cref="CollabException">Unknown tenant (404), another user's id (403), or a disallowed scope (400).</exception>
    public string Issue(SignedInUser user, FluidTokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.Value;
        if (!settings.Serves(request.TenantId))
        {
            throw new NotFoundException("unknown-tenant", "No key found for the provided tenantId.");
        }

        if (!string.IsNullOrEmpty(request.UserId) && request.UserId != user.UserId)
        {
            throw new ForbiddenException("A Fluid token can only be issued for the signed-in user.");
        }

        var allowed = settings.AllowedScopes();
        var scopes = request.Scopes ?? allowed;
        if (scopes.Count == 0 || scopes.Any(s => !allowed.Contains(s, StringComparer.Ordinal)))
        {
            throw new InvalidRequestException($"scopes must be a non-empty subset of: {string.Join(", ", allowed)}.");
        }

        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var claims = new FluidTokenClaims(
            request.DocumentId,
            scopes,
            request.TenantId,
            user.UserId,
            user.Name,
            request.AdditionalDetails,
            now,
            now.AddMinutes(settings.TokenLifetimeMinutes),
            Guid.NewGuid());
        return FluidToken.Create(claims, settings.TenantKey);
    }
}
