using System.Security.Cryptography;
using System.Text;
using Collab.Boards.Errors;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Acs;
using Collab.Functions.Boards;
using Collab.Functions.Identity;
using Collab.Functions.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Communication;

/// <summary>
/// The communication controller's side of a board (the ACS architecture's "communication controller"): each board
/// has one chat thread and one room, created on first use by the controller's own identity and recorded on the board
/// with conditional writes, and a caller the board admits is added to them (with its board role mapped to a room
/// role). Only owners and editors are added to the thread (<see cref="MayPost"/>): a participant can post, and ACS lets
/// only a message's sender delete it, so a viewer kept out of the thread is the only way it cannot post; viewers see
/// the chat through the relay and <see cref="ReadChatAsync"/>, read by the controller. Whom it added is recorded first (<see cref="BoardStore.RecordCommunicationParticipantAsync"/>), so that
/// <see cref="CommunicationSync"/> can take them out again when the board stops admitting them; and after adding, the
/// board is read again, so a change that raced the join is not missed. A thread or room gone from ACS (deleted outside
/// the app, or a thread that no longer admits the controller) is forgotten with a conditional write and replaced, once
/// per join, so joins do not fail for good.
/// </summary>
public sealed class BoardCommunication(
    BoardStore store,
    BoardService boards,
    AcsChatClient chat,
    AcsRoomsClient rooms,
    AcsTokenService identities,
    ChatThreadBoards threads,
    CommunicationSync sync,
    IOptions<AcsOptions> options,
    TimeProvider time,
    ILogger<BoardCommunication> logger)
{
    /// <summary>The room role of a board role: owner → Presenter, editor → Attendee, viewer → Consumer.</summary>
    public static string RoomRoleOf(string boardRole) => boardRole switch
    {
        BoardRoles.Owner => AcsRoomsClient.Presenter,
        BoardRoles.Editor => AcsRoomsClient.Attendee,
        _ => AcsRoomsClient.Consumer,
    };

    /// <summary>Whether <paramref name="boardRole"/> may post to the board's chat: owners and editors, not viewers.</summary>
    public static bool MayPost(string? boardRole) => boardRole is BoardRoles.Owner or BoardRoles.Editor;

    /// <summary>
    /// The board's chat thread, created once (<c>repeatability-request-id</c> derived from the board, then a conditional
    /// write), with the caller added under its display name.
    /// </summary>
    /// <exception cref="NotFoundException">The board does not exist.</exception>
    /// <exception cref="ForbiddenException">The board does not admit the caller.</exception>
    public async Task<BoardChatResponse> JoinChatAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        var board = await boards.AdmitAsync(user, boardId, cancellationToken);
        return await GuardAsync(async () =>
        {
            if (!MayPost(board.RoleOf(user.UserId)))
            {
                var readThreadId = board.ChatThreadId ?? await CreateThreadAsync(board, null, cancellationToken);
                logger.LogInformation("User {UserId} reads the chat of board {BoardId} without joining its thread", user.UserId, boardId);
                return new BoardChatResponse(readThreadId, options.Value.EffectiveClientEndpoint().ToString(), false);
            }

            var acsUserId = await identities.EnsureIdentityAsync(user.UserId, cancellationToken);
            string? lost = null;
            string threadId;
            while (true)
            {
                threadId = board.ChatThreadId ?? await CreateThreadAsync(board, lost, cancellationToken);
                await store.RecordCommunicationParticipantAsync(boardId, user.UserId, acsUserId, null, user.Name, cancellationToken);
                try
                {
                    await chat.AddParticipantAsync(threadId, acsUserId, user.Name, cancellationToken);
                    break;
                }
                catch (AcsRequestException ex) when (lost is null && (ex.IsNotFound || ex.Status == 403))
                {
                    // The thread is gone from ACS (404), or no longer admits the controller (403): every join would
                    // fail for good. The board forgets it (if it still names it) and gets another, once.
                    logger.LogWarning("The chat thread of board {BoardId} is gone ({Status}); creating another", boardId, ex.Status);
                    lost = threadId;
                    board = await store.ForgetChatThreadIdAsync(boardId, threadId, cancellationToken)
                        ?? throw new NotFoundException("board-not-found", "The board does not exist.");
                    await store.ForgetChatThreadAsync(threadId, cancellationToken);
                    threads.Forget(threadId);
                }
            }

            await RecheckAsync(user, boardId, acsUserId, null, cancellationToken);
            logger.LogInformation("User {UserId} joined the chat thread of board {BoardId}", user.UserId, boardId);
            return new BoardChatResponse(threadId, options.Value.EffectiveClientEndpoint().ToString(), true);
        });
    }

    /// <summary>
    /// The newest messages of the board's thread (at most <see cref="AcsChatClient.MaxMessages"/>, text and html, not
    /// deleted), read by the controller for any caller the board admits: how a viewer, who is not a participant, reads the
    /// chat's history. Senders are named by the controller's record of the board's participants (the names it gave them),
    /// never by the client-chosen <c>senderDisplayName</c>. A board without a thread has no messages.
    /// </summary>
    /// <exception cref="NotFoundException">The board does not exist.</exception>
    /// <exception cref="ForbiddenException">The board does not admit the caller.</exception>
    public async Task<BoardChatMessages> ReadChatAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        var board = await boards.AdmitAsync(user, boardId, cancellationToken);
        if (board.ChatThreadId is not { } threadId)
        {
            return new BoardChatMessages([]);
        }

        return await GuardAsync(async () =>
        {
            var messages = await chat.ListMessagesAsync(threadId, cancellationToken);
            var names = NamesByAcsId(await store.GetCommunicationParticipantsAsync(boardId, cancellationToken));
            return new BoardChatMessages(messages.Select(m => m with { SenderName = names.GetValueOrDefault(m.SenderAcsId, "") }).ToList());
        });
    }

    /// <summary>ACS id → the name the controller gave that participant, from the board's participant record.</summary>
    public static IReadOnlyDictionary<string, string> NamesByAcsId(IReadOnlyDictionary<string, CommunicationParticipant> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var participant in people.Values)
        {
            if (participant.DisplayName is { } name)
            {
                names[participant.AcsUserId] = name;
            }
        }

        return names;
    }

    /// <summary>
    /// The board's room, created once and renewed once less than half of <see cref="AcsOptions.RoomValidity"/> is left,
    /// with the caller added (or its role updated) as its board role says.
    /// </summary>
    /// <exception cref="NotFoundException">The board does not exist.</exception>
    /// <exception cref="ForbiddenException">The board does not admit the caller.</exception>
    public async Task<BoardCallResponse> JoinCallAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        var board = await boards.AdmitAsync(user, boardId, cancellationToken);
        var role = RoomRoleOf(board.RoleOf(user.UserId)!);
        return await GuardAsync(async () =>
        {
            var acsUserId = await identities.EnsureIdentityAsync(user.UserId, cancellationToken);
            string? lost = null;
            while (true)
            {
                try
                {
                    board = await EnsureRoomAsync(board, lost, cancellationToken);
                    await store.RecordCommunicationParticipantAsync(boardId, user.UserId, acsUserId, role, null, cancellationToken);
                    await rooms.SetParticipantsAsync(board.RoomId!, new Dictionary<string, string?> { [acsUserId] = role }, cancellationToken);
                    break;
                }
                catch (AcsRequestException ex) when (lost is null && ex.IsNotFound && board.RoomId is { } gone)
                {
                    // The room is gone from ACS: the board forgets it (if it still names it) and gets another, once.
                    logger.LogWarning("The room of board {BoardId} is gone; creating another", boardId);
                    lost = gone;
                    board = await store.ForgetRoomAsync(boardId, gone, cancellationToken)
                        ?? throw new NotFoundException("board-not-found", "The board does not exist.");
                }
            }

            role = await RecheckAsync(user, boardId, acsUserId, role, cancellationToken) ?? role;
            logger.LogInformation("User {UserId} joined the room of board {BoardId} as {Role}", user.UserId, boardId, role);
            return new BoardCallResponse(board.RoomId!, role, board.RoomValidUntil!.Value);
        });
    }

    // lost: the thread this one replaces, if any, so the request id differs from the one that created the lost thread.
    private async Task<string> CreateThreadAsync(BoardMetadata board, string? lost, CancellationToken cancellationToken)
    {
        var threadId = await chat.CreateThreadAsync(board.Title, RequestId("chat-thread", board, lost), cancellationToken);

        // The mapping first, so the webhook relays the thread's messages from the start.
        await store.RecordChatThreadAsync(threadId, board.BoardId, cancellationToken);
        var recorded = await store.RecordChatThreadIdAsync(board.BoardId, threadId, cancellationToken);
        if (recorded?.ChatThreadId != threadId)
        {
            // Another call recorded another thread (or the board went): ours must not linger.
            await chat.DeleteThreadAsync(threadId, cancellationToken);
            await store.ForgetChatThreadAsync(threadId, cancellationToken);
            logger.LogInformation("Board {BoardId} got another chat thread meanwhile; deleted the extra one", board.BoardId);
        }

        var winner = recorded?.ChatThreadId ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        threads.Remember(winner, board.BoardId);
        return winner;
    }

    // lost: the room this one replaces, if any, so the request id differs from the one that created the lost room.
    // A renewal moves both ends of the window (the service caps its length at 180 days, §8).
    private async Task<BoardMetadata> EnsureRoomAsync(BoardMetadata board, string? lost, CancellationToken cancellationToken)
    {
        var validity = options.Value.RoomValidity;
        var now = time.GetUtcNow();
        if (board.RoomId is { } roomId)
        {
            if (board.RoomValidUntil is { } until && until - now >= validity / 2)
            {
                return board;
            }

            var renewed = await rooms.UpdateWindowAsync(roomId, now, now + validity, cancellationToken);
            logger.LogInformation("Renewed the room of board {BoardId} until {ValidUntil}", board.BoardId, renewed.ValidUntil);
            return await store.RecordRoomAsync(board.BoardId, roomId, renewed.ValidUntil, cancellationToken)
                ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        }

        var room = await rooms.CreateRoomAsync(now + validity, RequestId("room", board, lost), cancellationToken);
        var recorded = await store.RecordRoomAsync(board.BoardId, room.Id, room.ValidUntil, cancellationToken);
        if (recorded?.RoomId != room.Id)
        {
            await rooms.DeleteRoomAsync(room.Id, cancellationToken);
            logger.LogInformation("Board {BoardId} got another room meanwhile; deleted the extra one", board.BoardId);
        }

        return recorded ?? throw new NotFoundException("board-not-found", "The board does not exist.");
    }

    /// <summary>
    /// Reads the board again after the caller was added: if it no longer admits the caller (a change raced the join),
    /// takes the caller out through <see cref="CommunicationSync"/> and refuses; if its room role changed, sets the new one.
    /// </summary>
    /// <returns>The room role now, when the caller joined the room.</returns>
    private async Task<string?> RecheckAsync(SignedInUser user, string boardId, string acsUserId, string? roomRole, CancellationToken cancellationToken)
    {
        var now = await store.GetMetadataAsync(boardId, cancellationToken);
        if (now?.RoleOf(user.UserId) is not { } boardRole)
        {
            logger.LogWarning("Board {BoardId} stopped admitting user {UserId} while it joined; taking it out again", boardId, user.UserId);
            if (now is not null)
            {
                // The removal may have settled between our record and our add, taking the user off the record: record
                // it again, so the sync finds someone to take out (our add put the user back in the thread or room).
                await store.RecordCommunicationParticipantAsync(boardId, user.UserId, acsUserId, roomRole, null, cancellationToken);
                await sync.OnBoardChangedAsync(now, cancellationToken);
            }

            throw now is null
                ? new NotFoundException("board-not-found", "The board does not exist.")
                : new ForbiddenException("This private board admits only its owner and members.");
        }

        if (roomRole is null && !MayPost(boardRole))
        {
            // Made a viewer while it joined: the sync takes it out of the thread again.
            await sync.OnBoardChangedAsync(now, cancellationToken);
            return null;
        }

        if (roomRole is not null && RoomRoleOf(boardRole) != roomRole)
        {
            await sync.OnBoardChangedAsync(now, cancellationToken);
            return RoomRoleOf(boardRole);
        }

        return roomRole;
    }

    // The same board (id and creation time, so a board deleted and created again gets new ones) always asks for the
    // same request id: concurrent first calls on any instance get one thread or room from the service. A replacement
    // for a lost thread or room names the lost one (the generation), so the service does not answer with the lost one
    // again, and concurrent replacements still get one.
    private static string RequestId(string purpose, BoardMetadata board, string? lost)
    {
        var generation = lost is null ? "" : "\n" + lost;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"collab {purpose}\n{board.BoardId}\n{board.CreatedOn.UtcTicks}{generation}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private async Task<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (AcsRequestException ex)
        {
            logger.LogWarning("ACS {Service} failed for the communication controller: {Status} {Code}", ex.Service, ex.Status, ex.Code);
            throw ex.ToCollabException();
        }
    }
}

/// <summary>The answer of <c>POST /api/boards/{id}/chat</c>.</summary>
/// <param name="ThreadId">The board's chat thread.</param>
/// <param name="Endpoint">The ACS endpoint for the chat SDK (<see cref="AcsOptions.ClientEndpoint"/>).</param>
/// <param name="CanPost">True when the caller is a participant of the thread (owner, editor); a viewer is not, and reads
/// the chat through <c>GET /api/boards/{id}/chat/messages</c> and the relay.</param>
public sealed record BoardChatResponse(string ThreadId, string Endpoint, bool CanPost);

/// <summary>The answer of <c>GET /api/boards/{id}/chat/messages</c>: the thread's newest messages, newest first.</summary>
/// <param name="Messages">Each as the relay sends it (<see cref="ChatMessageEvent"/>), without <c>deleted</c>.</param>
public sealed record BoardChatMessages(IReadOnlyList<ChatMessageEvent> Messages);

/// <summary>The answer of <c>POST /api/boards/{id}/call</c>.</summary>
/// <param name="RoomId">The board's room, for the Calling SDK's <c>join({ roomId })</c>.</param>
/// <param name="Role">The caller's room role: Presenter, Attendee or Consumer.</param>
/// <param name="ValidUntil">When the room's window ends (it is renewed before).</param>
public sealed record BoardCallResponse(string RoomId, string Role, DateTimeOffset ValidUntil);
