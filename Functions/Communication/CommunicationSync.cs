using Azure;
using Collab.Boards.Errors;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Acs;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Communication;

/// <summary>
/// Keeps a board's ACS state in step with who the board admits. When the board changes (members, roles, visibility),
/// everyone the controller added to the board's thread or room who is no longer admitted is taken out of both, and a
/// changed role changes the room role; when the board is deleted, its thread and room are deleted. The work is recorded
/// first (<see cref="BoardStore.AddPendingCommunicationAsync"/>, with the thread and room ids so deletion can proceed
/// after the metadata is gone), done inline, and cleared when done; what fails stays recorded and
/// <see cref="CommunicationSyncTimerFunction"/> retries it, visiting only boards with pending work. So a failure of
/// ACS delays a removal, but never forgets it. The thread is settled against its real participant list, not only
/// against whom the controller recorded: anyone in it who is neither the controller nor a user the board lets post
/// (<see cref="BoardCommunication.MayPost"/>) is taken out, so an outsider added by other means does not stay.
/// </summary>
public sealed class CommunicationSync(BoardStore store, AcsChatClient chat, AcsRoomsClient rooms, AcsServiceIdentity controller, ChatThreadBoards threads, ILogger<CommunicationSync> logger)
{
    private const int MaxPasses = 3;

    /// <summary>After <paramref name="board"/> was written: takes out whoever it no longer admits, and updates room roles.</summary>
    /// <exception cref="RequestFailedException">Storage failed before the work was recorded (the caller retries the change).</exception>
    public async Task OnBoardChangedAsync(BoardMetadata board, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(board);
        var people = await store.GetCommunicationParticipantsAsync(board.BoardId, cancellationToken);
        var remove = people.Keys.Where(u => !board.Admits(u)).ToList();
        var roles = people
            .Where(p => p.Value.RoomRole is { } role && board.RoleOf(p.Key) is { } boardRole && BoardCommunication.RoomRoleOf(boardRole) != role)
            .ToDictionary(p => p.Key, p => BoardCommunication.RoomRoleOf(board.RoleOf(p.Key)!), StringComparer.Ordinal);

        // A user the board still admits but no longer lets post (made a viewer) must leave the thread: settling reads it.
        var readers = board.ChatThreadId is not null && people.Keys.Any(u => board.Admits(u) && !BoardCommunication.MayPost(board.RoleOf(u)));
        if (remove.Count == 0 && roles.Count == 0 && !readers)
        {
            return;
        }

        await store.AddPendingCommunicationAsync(new CommunicationWork(board.BoardId, board.ChatThreadId, board.RoomId, false, remove, roles), cancellationToken);
        await TryRunAsync(board.BoardId, cancellationToken);
    }

    /// <summary>Before <paramref name="board"/>'s metadata is deleted: records that its thread and room must go.</summary>
    public async Task OnBoardDeletingAsync(BoardMetadata board, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(board);
        if (board.ChatThreadId is not null || board.RoomId is not null)
        {
            await store.AddPendingCommunicationAsync(new CommunicationWork(board.BoardId, board.ChatThreadId, board.RoomId, true, [], new Dictionary<string, string>()), cancellationToken);
        }
    }

    /// <summary>Does the board's pending work; a failure is logged and left for the timer.</summary>
    /// <returns>True when nothing is pending any more.</returns>
    public async Task<bool> TryRunAsync(string boardId, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(boardId, cancellationToken);
        }
        catch (Exception ex) when (ex is AcsRequestException or RequestFailedException || DependencyFailure.IsUnavailable(ex))
        {
            logger.LogWarning("The ACS work of board {BoardId} failed and stays pending for a retry: {Error}", boardId, ex.Message);
            return false;
        }
    }

    /// <summary>Does the pending work of every board that has some (the timer's run).</summary>
    /// <returns>How many boards still have pending work.</returns>
    public async Task<int> RunPendingAsync(CancellationToken cancellationToken)
    {
        var left = 0;
        await foreach (var boardId in store.ListPendingCommunicationAsync(cancellationToken))
        {
            if (!await TryRunAsync(boardId, cancellationToken))
            {
                left++;
            }
        }

        return left;
    }

    private async Task<bool> RunAsync(string boardId, CancellationToken cancellationToken)
    {
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            if (await store.GetPendingCommunicationAsync(boardId, cancellationToken) is not { } pending)
            {
                return true;
            }

            var (work, etag) = pending;
            if (work.Delete)
            {
                await DeleteAsync(work, cancellationToken);
            }
            else
            {
                await SettleAsync(work, cancellationToken);
            }

            // Cleared only if nothing was added meanwhile; otherwise the next pass does the merged work.
            if (await store.TryClearPendingCommunicationAsync(boardId, etag, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private async Task DeleteAsync(CommunicationWork work, CancellationToken cancellationToken)
    {
        if (work.ThreadId is { } threadId)
        {
            await chat.DeleteThreadAsync(threadId, cancellationToken);
            await store.ForgetChatThreadAsync(threadId, cancellationToken);
            threads.Forget(threadId);
        }

        if (work.RoomId is { } roomId)
        {
            await rooms.DeleteRoomAsync(roomId, cancellationToken);
        }

        await store.DeleteCommunicationParticipantsAsync(work.BoardId, cancellationToken);
        logger.LogInformation("Deleted the chat thread and room of deleted board {BoardId}", work.BoardId);
    }

    private async Task SettleAsync(CommunicationWork work, CancellationToken cancellationToken)
    {
        // The thread's real participants are listed before the board and the record are read: a join records its user
        // before adding it, so whoever the list shows is in the record read after it, and a join is never undone.
        var threadId = work.ThreadId ?? (await store.GetMetadataAsync(work.BoardId, cancellationToken))?.ChatThreadId;
        IReadOnlyList<string> inThread = threadId is null ? [] : await chat.ListParticipantsAsync(threadId, cancellationToken);

        // Decided against the board as it is now: a user admitted again meanwhile stays, a role changed again wins.
        var board = await store.GetMetadataAsync(work.BoardId, cancellationToken);
        var people = await store.GetCommunicationParticipantsAsync(work.BoardId, cancellationToken);
        var remove = work.Remove.Where(u => board is null || !board.Admits(u)).Where(people.ContainsKey).ToList();
        var roles = work.Roles.Keys
            .Where(u => board?.RoleOf(u) is not null && people.ContainsKey(u))
            .ToDictionary(u => u, u => BoardCommunication.RoomRoleOf(board!.RoleOf(u)!), StringComparer.Ordinal);
        var roomId = work.RoomId ?? board?.RoomId;
        if (threadId is not null)
        {
            var controllerId = await controller.GetIdAsync(cancellationToken);
            var posters = people.Where(p => board is not null && BoardCommunication.MayPost(board.RoleOf(p.Key))).Select(p => p.Value.AcsUserId).ToHashSet(StringComparer.Ordinal);
            var outsiders = inThread.Where(id => id != controllerId && !posters.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var acsUserId in outsiders)
            {
                await chat.RemoveParticipantAsync(threadId, acsUserId, cancellationToken);
            }

            if (outsiders.Count > 0)
            {
                logger.LogInformation("Board {BoardId}: {Count} participants the board does not let post taken out of its thread", work.BoardId, outsiders.Count);
            }
        }

        if (roomId is not null && remove.Count + roles.Count > 0)
        {
            var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var user in remove)
            {
                changes[people[user].AcsUserId] = null;
            }

            foreach (var (user, role) in roles)
            {
                changes[people[user].AcsUserId] = role;
            }

            await rooms.SetParticipantsAsync(roomId, changes, cancellationToken);
        }

        await store.SettleCommunicationParticipantsAsync(work.BoardId, remove, roomId is null ? new Dictionary<string, string>() : roles, cancellationToken);
        logger.LogInformation("Board {BoardId}: {Removed} users taken out of its thread and room, {Roles} room roles changed", work.BoardId, remove.Count, roles.Count);
    }
}
