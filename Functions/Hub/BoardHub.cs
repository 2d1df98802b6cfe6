using Collab.Boards.Errors;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Boards.Telemetry;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Hub;

/// <summary>
/// What the board side of the Web PubSub hub does for each event, with the protocol already checked by
/// <see cref="WebPubSubProtocol"/>: admission of a connection to one board, presence when connections come and go
/// (and a snapshot when the last user leaves), and committed operations (validated, committed exactly once), each
/// within the bounds of <see cref="EventHandlerOptions"/>. The checks are <c>collab.admission</c> spans, reading an
/// operation a <c>collab.validation</c> span, and presence a <c>collab.presence</c> span.
/// </summary>
public sealed class BoardHub(
    BoardStore store,
    IBoardSnapshots snapshots,
    BoardMetadataCache boards,
    LiveBoards live,
    BoardCommitter committer,
    PresenceService presence,
    OperationRateLimiter operations,
    RecentAdmissions admissions,
    IOptions<EventHandlerOptions> options,
    CollabTelemetry telemetry,
    ILogger<BoardHub> logger)
{
    /// <summary>The problem code of a <c>chat</c> operation, which is no longer accepted.</summary>
    public const string ChatMovedCode = "chat-moved";

    private readonly int _connectionsPerUser = options.Value.ConnectionsPerUserPerBoard;

    /// <summary>
    /// Admits <paramref name="userId"/> to <paramref name="boardId"/> under the access rule of every board endpoint,
    /// unless the user already has <see cref="EventHandlerOptions.ConnectionsPerUserPerBoard"/> connections there (those
    /// the service lists in the board's group, and those this instance admitted a moment ago: <see cref="RecentAdmissions"/>),
    /// and remembers the display name.
    /// </summary>
    /// <exception cref="NotFoundException">The board does not exist.</exception>
    /// <exception cref="ForbiddenException">The board is private and the user is neither its owner nor a member.</exception>
    /// <exception cref="RateLimitedException">The user has as many connections on the board as allowed.</exception>
    public async Task<BoardAdmission> OnConnectAsync(string userId, string connectionId, string boardId, string name, CancellationToken cancellationToken)
    {
        using var span = telemetry.Start(CollabTelemetry.Spans.Admission)?.SetTag(CollabTelemetry.Tags.BoardId, boardId);
        var metadata = await store.GetMetadataAsync(boardId, cancellationToken)
            ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        var role = metadata.RoleOf(userId) ?? throw new ForbiddenException("This private board admits only its owner and members.");
        var listed = await presence.ListConnectionsAsync(boardId, userId, cancellationToken);
        if (admissions.TryAdmit(boardId, userId, connectionId, listed, _connectionsPerUser) is { } open)
        {
            logger.LogWarning("Refused connection {ConnectionId} of user {UserId} to board {BoardId}: {Open} connections already open", connectionId, userId, boardId, open);
            throw new RateLimitedException(
                $"You already have {open} connections to this board (at most {_connectionsPerUser}); close another tab or device and try again.",
                TimeSpan.FromSeconds(5),
                "too-many-connections");
        }

        await store.RememberNameAsync(boardId, userId, name, cancellationToken);
        logger.LogInformation("Admitted connection {ConnectionId} of user {UserId} to board {BoardId} as {Role}", connectionId, userId, boardId, role);
        return new BoardAdmission(boardId, name, role, BoardChannels.Groups(boardId), BoardChannels.Permissions(boardId, role));
    }

    /// <summary>
    /// Tells the board who is there now (coalesced with the board's other changes of the moment); when
    /// <paramref name="leavingConnectionId"/>'s going leaves it empty, snapshots the board once.
    /// </summary>
    public async Task OnPresenceAsync(string boardId, string? leavingConnectionId, CancellationToken cancellationToken)
    {
        if (leavingConnectionId is not null)
        {
            operations.Forget(leavingConnectionId);
            admissions.Forget(boardId, leavingConnectionId);
        }

        using var span = telemetry.Start(CollabTelemetry.Spans.Presence)?.SetTag(CollabTelemetry.Tags.BoardId, boardId);
        try
        {
            var round = await presence.UpdateAsync(boardId, leavingConnectionId, cancellationToken);
            if (leavingConnectionId is not null && round.Presence.Count == 0 && round.ClaimEmptyBoard()
                && await live.SnapshotCurrentAsync(boardId, cancellationToken) is { } snapshot)
            {
                using var snapshotSpan = telemetry.Start(CollabTelemetry.Spans.Snapshot)?.SetTag(CollabTelemetry.Tags.BoardId, boardId).SetTag(CollabTelemetry.Tags.Seq, snapshot.State.Seq);
                var written = await snapshots.WriteSnapshotAsync(snapshot, cancellationToken);
                logger.LogInformation("Last user left board {BoardId}; snapshot at {Seq} {Outcome}", boardId, snapshot.State.Seq, written ? "written" : "already existed");
            }
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex) || ex is Azure.RequestFailedException)
        {
            // Presence and snapshots are best effort: the event is not retried for them, and nothing is lost.
            telemetry.DependencyFailed(ex is HttpRequestException ? CollabTelemetry.Dependencies.WebPubSub : CollabTelemetry.Dependencies.Storage);
            logger.LogWarning("Presence for board {BoardId} failed: {Error}", boardId, ex.Message);
        }
    }

    /// <summary>
    /// Validates and commits an operation <paramref name="userId"/> sent on <paramref name="boardId"/> over
    /// <paramref name="connectionId"/>, within the connection's operation rate (checked before anything is read or
    /// stored), after checking again that the board exists and lets the user edit it now: a decision made at connect
    /// does not outlive a change of members, roles or visibility, nor a reliable reconnect that skips <c>connect</c>.
    /// </summary>
    /// <exception cref="RateLimitedException">The connection sent more operations than its rate allows; nothing was stored.</exception>
    /// <exception cref="NotFoundException">The board does not exist (any more); nothing was stored.</exception>
    /// <exception cref="ForbiddenException">The user is no longer admitted, or is a viewer; nothing was stored.</exception>
    /// <exception cref="InvalidRequestException">The operation is malformed, or is a retired <c>chat</c> (<see cref="ChatMovedCode"/>); nothing was stored.</exception>
    /// <exception cref="UnavailableException">Storage failed; nothing was committed, and the service's retry is safe.</exception>
    public async Task<CommitResult> OnOperationAsync(string userId, string connectionId, string boardId, string eventName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using (telemetry.Start(CollabTelemetry.Spans.Admission)?.SetTag(CollabTelemetry.Tags.BoardId, boardId))
        {
            await AdmitOperationAsync(userId, connectionId, boardId, eventName, cancellationToken);
        }

        IncomingOperation operation;
        using (telemetry.Start(CollabTelemetry.Spans.Validation)?.SetTag(CollabTelemetry.Tags.OpKind, eventName))
        {
            operation = BoardOperationReader.Read(eventName, body.Span);
        }

        var result = await committer.CommitAsync(boardId, userId, operation, cancellationToken);
        if (result.Duplicate)
        {
            logger.LogInformation("Operation {OpId} of user {UserId} on board {BoardId} was already committed as {Seq}", operation.OpId, userId, boardId, result.Seq);
        }

        return result;
    }

    // The operation rate first, before anything is read; then the board and the user's role now.
    private async Task AdmitOperationAsync(string userId, string connectionId, string boardId, string eventName, CancellationToken cancellationToken)
    {
        if (operations.TryTake(connectionId) is { } wait)
        {
            logger.LogWarning("Refused an operation of user {UserId} on board {BoardId}: connection {ConnectionId} is over its operation rate", userId, boardId, connectionId);
            throw new RateLimitedException(
                $"Too many changes at once: at most {operations.OperationsPerSecond} per second from one connection. This change was not saved; wait a moment and try again.",
                wait,
                "too-many-operations");
        }

        // Chat lives in the board's ACS thread now (POST /api/boards/{id}/chat); logs that hold chat operations still
        // load, show and export them, but no new one is written.
        if (eventName == PostChat.Name)
        {
            throw new InvalidRequestException(ChatMovedCode, "Chat moved to the board's ACS chat thread: get it with POST /api/boards/{id}/chat and send with the ACS chat SDK.");
        }

        var metadata = await boards.GetAsync(boardId, cancellationToken)
            ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        var role = metadata.RoleOf(userId);
        if (!BoardRoles.CanEdit(role))
        {
            logger.LogInformation("Refused an operation of user {UserId} on board {BoardId}: role {Role}", userId, boardId, role ?? "none");
            throw new ForbiddenException(role is null ? "You are not admitted to this board any more." : "Viewers cannot change the board.");
        }
    }
}

/// <summary>A connection admitted to a board.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Name">The display name it goes by.</param>
/// <param name="Role">The board role it was admitted with.</param>
/// <param name="Groups">The groups it joins on connect.</param>
/// <param name="Permissions">The Web PubSub roles it gets.</param>
public sealed record BoardAdmission(string BoardId, string Name, string Role, IReadOnlyList<string> Groups, IReadOnlyList<string> Permissions);
