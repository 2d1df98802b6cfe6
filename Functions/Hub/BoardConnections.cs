using Collab.Boards.Model;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Hub;

/// <summary>
/// Brings the live connections of a board in line with its metadata after a change. Web PubSub checks a token only
/// at connect, so a connection whose user the board no longer admits is taken out of the board's groups (it hears
/// nothing more, even through a reliable reconnect) and closed; one whose user may no longer edit is closed, so that
/// it comes back, if at all, with a viewer's rights.
/// </summary>
public sealed class BoardConnections(WebPubSubRestClient webPubSub, ILogger<BoardConnections> logger)
{
    /// <summary>The reason a revoked connection is given.</summary>
    public const string RevokedReason = "Your access to this board changed.";

    /// <summary>Revokes what <paramref name="after"/> no longer grants to the connections of the board.</summary>
    /// <returns>How many connections were closed.</returns>
    public async Task<int> RevokeAsync(BoardMetadata before, BoardMetadata after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var closed = 0;
        foreach (var connection in await webPubSub.ListGroupConnectionsAsync(BoardChannels.ServerGroup(after.BoardId), cancellationToken))
        {
            var now = connection.UserId is null ? null : after.RoleOf(connection.UserId);
            var then = connection.UserId is null ? null : before.RoleOf(connection.UserId);
            if (now is not null && (BoardRoles.CanEdit(now) || !BoardRoles.CanEdit(then)))
            {
                continue;
            }

            if (now is null)
            {
                await webPubSub.RemoveConnectionFromAllGroupsAsync(connection.ConnectionId, cancellationToken);
            }

            await webPubSub.CloseConnectionAsync(connection.ConnectionId, RevokedReason, cancellationToken);
            closed++;
            logger.LogInformation("Revoked connection {ConnectionId} of user {UserId} on board {BoardId}: role {Role}", connection.ConnectionId, connection.UserId, after.BoardId, now ?? "none");
        }

        return closed;
    }
}
