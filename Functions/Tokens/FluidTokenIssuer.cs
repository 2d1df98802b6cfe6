using Collab.Boards.Errors;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Identity;
using Collab.Protocols.Fluid;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tokens;

/// <summary>
/// Fluid Relay tokens for the signed-in user (shared/protocols/fluid-relay.md): the user claim is always the
/// caller's id and name, the tenant must be ours, the scopes a subset of the allowed ones, and the lifetime at most
/// an hour with a fresh <c>jti</c>. A token is for one board the caller may open: for the Fluid container recorded on
/// it, or (owners and editors only) for creating that container; a viewer's token reads only.
/// </summary>
public sealed class FluidTokenIssuer(IOptions<FluidRelayOptions> options, BoardStore boards, TimeProvider time)
{
    private const string ReadScope = "doc:read";

    /// <summary>Mints the token for <paramref name="request"/> after checking the board it names.</summary>
    /// <exception cref="CollabException">No or a malformed board (400), an unknown board (404), a board the caller may not open, another container, or a viewer creating one (403), plus the checks of <see cref="Issue"/>.</exception>
    public async Task<string> IssueAsync(SignedInUser user, FluidTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        if (!BoardId.IsValid(request.BoardId))
        {
            throw new InvalidRequestException("boardId is required: a Fluid container belongs to a board. " + BoardId.Requirement);
        }

        var board = await boards.GetMetadataAsync(request.BoardId, cancellationToken)
            ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        var role = board.RoleOf(user.UserId) ?? throw new ForbiddenException("This private board admits only its owner and members.");
        if (request.DocumentId.Length == 0 ? !BoardRoles.CanEdit(role) : request.DocumentId != board.FluidContainerId)
        {
            throw new ForbiddenException(request.DocumentId.Length == 0
                ? "Only the board's owner and editors may create its Fluid container."
                : "documentId is not the Fluid container recorded on this board.");
        }

        return Issue(user, request, readOnly: !BoardRoles.CanEdit(role));
    }

    /// <summary>Mints the token for <paramref name="request"/>, whose board the caller may use; <paramref name="readOnly"/> limits it to reading.</summary>
    /// <exception cref="CollabException">Unknown tenant (404), another user's id (403), or a disallowed scope (400).</exception>
    public string Issue(SignedInUser user, FluidTokenRequest request, bool readOnly)
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

        var allowed = readOnly ? settings.AllowedScopes().Where(s => s == ReadScope).ToList() : settings.AllowedScopes();
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
