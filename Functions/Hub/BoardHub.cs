using Collab.Boards.Errors;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Hub;

/// <summary>
/// What the board side of the Web PubSub hub does for each event, with the protocol already checked by
/// <see cref="WebPubSubProtocol"/>: admission of a connection to one board, presence when connections come and go
/// (and a snapshot when the last user leaves), and committed operations (validated, committed exactly once).
/// </summary>
public sealed class BoardHub(BoardStore store, LiveBoards live, BoardCommitter committer, PresenceService presence, ILogger<BoardHub> logger)
{
    /// <summary>Admits <paramref name="userId"/> to <paramref name="boardId"/> under the access rule of every board endpoint, and remembers the display name.</summary>
    /// <exception cref="NotFoundException">The board does not exist.</exception>
    /// <exception cref="ForbiddenException">The board is private and the user is neither its owner nor a member.</exception>
    public async Task<BoardAdmission> OnConnectAsync(string userId, string connectionId, string boardId, string name, CancellationToken cancellationToken)
    {
        var metadata = await store.GetMetadataAsync(boardId, cancellationToken)
            ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        if (!metadata.Admits(userId))
        {
            throw new ForbiddenException("This private board admits only its owner and members.");
        }

        await store.RememberNameAsync(boardId, userId, name, cancellationToken);
        logger.LogInformation("Admitted connection {ConnectionId} of user {UserId} to board {BoardId}", connectionId, userId, boardId);
        var group = BoardId.GroupOf(boardId);
        return new BoardAdmission(boardId, name, metadata.RoleOf(userId)!, [group], ["webpubsub.joinLeaveGroup." + group, "webpubsub.sendToGroup." + group]);
    }

    /// <summary>Tells the board who is there now; when <paramref name="leavingConnectionId"/> leaves it empty, snapshots the board.</summary>
    public async Task OnPresenceAsync(string boardId, string? leavingConnectionId, CancellationToken cancellationToken)
    {
        try
        {
            var now = await presence.BroadcastAsync(boardId, leavingConnectionId, cancellationToken);
            if (leavingConnectionId is not null && now.Count == 0 && await live.SnapshotCurrentAsync(boardId, cancellationToken) is { } snapshot)
            {
                var written = await store.WriteSnapshotAsync(snapshot, cancellationToken);
                logger.LogInformation("Last user left board {BoardId}; snapshot at {Seq} {Outcome}", boardId, snapshot.State.Seq, written ? "written" : "already existed");
            }
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex) || ex is Azure.RequestFailedException)
        {
            // Presence and snapshots are best effort: the event is not retried for them, and nothing is lost.
            logger.LogWarning("Presence for board {BoardId} failed: {Error}", boardId, ex.Message);
        }
    }

    /// <summary>Validates and commits an operation <paramref name="userId"/> sent on <paramref name="boardId"/>.</summary>
    /// <exception cref="InvalidRequestException">The operation is malformed; nothing was stored.</exception>
    /// <exception cref="UnavailableException">Storage failed; nothing was committed, and the service's retry is safe.</exception>
    public async Task<CommitResult> OnOperationAsync(string userId, string boardId, string eventName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var operation = BoardOperationReader.Read(eventName, body.Span);
        var result = await committer.CommitAsync(boardId, userId, operation, cancellationToken);
        if (result.Duplicate)
        {
            logger.LogInformation("Operation {OpId} of user {UserId} on board {BoardId} was already committed as {Seq}", operation.OpId, userId, boardId, result.Seq);
        }

        return result;
    }
}

/// <summary>A connection admitted to a board.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Name">The display name it goes by.</param>
/// <param name="Role">The role the board gives the user: <c>owner</c>, <c>editor</c> or <c>viewer</c>.</param>
/// <param name="Groups">The groups it joins on connect.</param>
/// <param name="Roles">The permissions it gets.</param>
public sealed record BoardAdmission(string BoardId, string Name, string Role, IReadOnlyList<string> Groups, IReadOnlyList<string> Roles);
