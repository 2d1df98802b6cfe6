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
/// first (<see cref="BoardStore.AddPendingCommunicationAsync"/>; for a change, a reconcile marker before the board's
/// metadata is even written), done inline, and cleared when done; what fails stays recorded with its progress and
/// <see cref="CommunicationSyncTimerFunction"/> retries it, visiting only boards with pending work. So a failure of
/// ACS delays a removal, but never forgets it.
/// <list type="bullet">
/// <item>The thread is settled against its real participant list, not only against whom the controller recorded:
/// anyone in it who is neither the controller nor a user the board lets post (<see cref="BoardCommunication.MayPost"/>)
/// is taken out, so an outsider added by other means does not stay, and a member made a viewer leaves it.</item>
/// <item>The thread and the room are independent: a thread that keeps failing does not keep a removed user in the
/// room, and the other way round. A thread or room that is gone (404) counts as done.</item>
/// <item>A deletion runs only once the board it was recorded for is gone: if a board with the same id and creation
/// time still exists (its delete failed half-way), the deletion is dropped; a board created again under the same id
/// keeps its own thread and room.</item>
/// <item>After <see cref="QuietFailedRuns"/> failed runs in a row, a failure that waiting will not cure (such as the
/// controller refused by the thread) is logged as an error, for an operator.</item>
/// </list>
/// </summary>
public sealed class CommunicationSync(BoardStore store, AcsChatClient chat, AcsRoomsClient rooms, AcsServiceIdentity controller, ChatThreadBoards threads, ILogger<CommunicationSync> logger)
{
    /// <summary>How many failed runs in a row are only warned about before a lasting failure is logged as an error.</summary>
    public const int QuietFailedRuns = 5;

    private const int MaxPasses = 3;

    /// <summary>
    /// Before a board's metadata is written (created or changed): records the reconcile marker, so that if anything
    /// fails after the write (revoking connections, this class's own work) the timer still visits the board.
    /// </summary>
    /// <exception cref="RequestFailedException">Storage failed (the caller's change is not made).</exception>
    public async Task OnBoardChangingAsync(string boardId, CancellationToken cancellationToken) =>
        await store.AddPendingCommunicationAsync(CommunicationWork.ReconcileBoard(boardId), cancellationToken);

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
        if (remove.Count > 0 || roles.Count > 0 || readers)
        {
            await store.AddPendingCommunicationAsync(new CommunicationWork(board.BoardId, board.ChatThreadId, board.RoomId, remove, roles), cancellationToken);
        }

        // Also does a reconcile marker recorded before the write.
        await TryRunAsync(board.BoardId, cancellationToken);
    }

    /// <summary>
    /// Before <paramref name="board"/>'s metadata is deleted: records that its thread and room must go (while their ids
    /// are known), so a failure after the metadata is gone still has them deleted.
    /// </summary>
    public async Task OnBoardDeletingAsync(BoardMetadata board, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(board);
        if (board.ChatThreadId is not null || board.RoomId is not null)
        {
            await store.AddPendingCommunicationAsync(
                CommunicationWork.Delete(board.BoardId, new CommunicationDeletion(board.CreatedOn, board.ChatThreadId, board.RoomId)), cancellationToken);
        }
    }

    /// <summary>
    /// After <paramref name="board"/>'s metadata is deleted: records the deletion again (a run that saw the metadata
    /// still there dropped the first record) and does it; a failure is logged and left for the timer.
    /// </summary>
    public async Task OnBoardDeletedAsync(BoardMetadata board, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(board);
        try
        {
            await OnBoardDeletingAsync(board, cancellationToken);
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            logger.LogWarning("Could not record again the deletion of board {BoardId}'s thread and room: {Error}", board.BoardId, ex.Message);
        }

        await TryRunAsync(board.BoardId, cancellationToken);
    }

    /// <summary>Does the board's pending work; a failure is logged and left for the timer.</summary>
    /// <returns>True when nothing is pending any more.</returns>
    public async Task<bool> TryRunAsync(string boardId, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(boardId, cancellationToken);
        }
        catch (Exception ex) when (IsFailure(ex))
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

    private static bool IsFailure(Exception ex) => ex is AcsRequestException or RequestFailedException || DependencyFailure.IsUnavailable(ex);

    private async Task<bool> RunAsync(string boardId, CancellationToken cancellationToken)
    {
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            if (await store.GetPendingCommunicationAsync(boardId, cancellationToken) is not { } pending)
            {
                return true;
            }

            var (work, etag) = pending;
            var board = await store.GetMetadataAsync(boardId, cancellationToken);
            var failures = new List<Exception>();
            var deletions = new List<CommunicationDeletion>();
            foreach (var deletion in work.Deletions)
            {
                if (board is not null && board.CreatedOn == deletion.BoardCreatedOn)
                {
                    // Its delete did not finish (or has not yet): the board is live, its thread and room stay. A delete
                    // that finishes records the deletion again once the metadata is gone.
                    logger.LogInformation("Board {BoardId} still exists: the deletion of its thread and room is dropped", boardId);
                    continue;
                }

                if (await DeleteAsync(boardId, deletion, failures, cancellationToken) is { } left)
                {
                    deletions.Add(left);
                }
            }

            if (deletions.Count == 0 && work.Deletions.Count > 0 && board is null)
            {
                await store.DeleteCommunicationParticipantsAsync(boardId, cancellationToken);
            }

            // A board that is gone has no one to settle: its deletion (if it had a thread or room) takes care of both.
            var settling = board is null || work.SettlesNothing ? null : await SettleAsync(work, board, failures, cancellationToken);
            if (settling is null && deletions.Count == 0)
            {
                // Cleared only if nothing was added meanwhile; otherwise the next pass does the merged work.
                if (await store.TryClearPendingCommunicationAsync(boardId, etag, cancellationToken))
                {
                    return true;
                }

                continue;
            }

            var rest = (settling ?? new CommunicationWork(boardId, null, null, [], new Dictionary<string, string>())) with
            {
                Deletions = deletions,
                FailedRuns = work.FailedRuns + 1,
            };
            if (!await store.TryReplacePendingCommunicationAsync(rest, etag, cancellationToken))
            {
                continue;
            }

            Report(boardId, rest.FailedRuns, failures);
            return false;
        }

        return false;
    }

    // Deletes what is left of a deletion; returns what is still left (null when done), each part independent of the other.
    private async Task<CommunicationDeletion?> DeleteAsync(string boardId, CommunicationDeletion deletion, List<Exception> failures, CancellationToken cancellationToken)
    {
        var threadId = deletion.ThreadId;
        if (deletion.ThreadId is { } thread && await StepAsync(failures, async () =>
            {
                await chat.DeleteThreadAsync(thread, cancellationToken);
                await store.ForgetChatThreadAsync(thread, cancellationToken);
                threads.Forget(thread);
            }))
        {
            threadId = null;
        }

        var roomId = deletion.RoomId;
        if (deletion.RoomId is { } room && await StepAsync(failures, () => rooms.DeleteRoomAsync(room, cancellationToken)))
        {
            roomId = null;
        }

        if (threadId is null && roomId is null)
        {
            logger.LogInformation("Deleted the chat thread and room of deleted board {BoardId}", boardId);
            return null;
        }

        return deletion with { ThreadId = threadId, RoomId = roomId };
    }

    // Settles against the board as it is now: a user admitted again meanwhile stays, a role changed again wins. The
    // thread and the room each make their own progress. Returns what is left (null when done).
    private async Task<CommunicationWork?> SettleAsync(CommunicationWork work, BoardMetadata board, List<Exception> failures, CancellationToken cancellationToken)
    {
        // The thread's real participants are listed before the board and the record are read again: a join records its
        // user before adding it, so whoever the list shows is in the record read after it, and a join is never undone.
        var threadId = board.ChatThreadId ?? work.ThreadId;
        IReadOnlyList<string>? inThread = null;
        if (threadId is not null)
        {
            await StepAsync(failures, async () =>
            {
                try
                {
                    inThread = await chat.ListParticipantsAsync(threadId, cancellationToken);
                }
                catch (AcsRequestException ex) when (ex.IsNotFound)
                {
                    // The thread is gone: no one is in it any more.
                    inThread = [];
                }
            });
        }

        if (await store.GetMetadataAsync(work.BoardId, cancellationToken) is not { } current)
        {
            // Deleted meanwhile: its deletion takes care of the thread and the room.
            return null;
        }

        board = current;
        var people = await store.GetCommunicationParticipantsAsync(work.BoardId, cancellationToken);
        var candidates = work.Reconcile ? work.Remove.Concat(people.Keys) : work.Remove;
        var remove = candidates.Where(u => !board.Admits(u) && people.ContainsKey(u)).Distinct(StringComparer.Ordinal).ToList();
        var roles = (work.Reconcile ? work.Roles.Keys.Concat(people.Keys) : work.Roles.Keys)
            .Distinct(StringComparer.Ordinal)
            .Where(u => board.RoleOf(u) is not null && people.TryGetValue(u, out var p) && p.RoomRole is not null
                && (work.Roles.ContainsKey(u) || p.RoomRole != BoardCommunication.RoomRoleOf(board.RoleOf(u)!)))
            .ToDictionary(u => u, u => BoardCommunication.RoomRoleOf(board.RoleOf(u)!), StringComparer.Ordinal);
        var roomId = board.RoomId ?? work.RoomId;

        var outOfThread = new HashSet<string>(work.OutOfThread, StringComparer.Ordinal);
        var threadSettled = threadId is null || inThread is not null;
        if (threadId is not null)
        {
            foreach (var user in remove.Where(u => !outOfThread.Contains(u)))
            {
                if (!await StepAsync(failures, () => chat.RemoveParticipantAsync(threadId, people[user].AcsUserId, cancellationToken)))
                {
                    break;
                }

                outOfThread.Add(user);
            }

            if (inThread is not null)
            {
                threadSettled = await RemoveOutsidersAsync(work.BoardId, threadId, inThread, board, people, remove, failures, cancellationToken);
            }
        }
        else
        {
            outOfThread.UnionWith(remove);
        }

        var outOfRoom = new HashSet<string>(work.OutOfRoom, StringComparer.Ordinal);
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var user in remove.Where(u => !outOfRoom.Contains(u)))
        {
            changes[people[user].AcsUserId] = null;
        }

        foreach (var (user, role) in roles)
        {
            changes[people[user].AcsUserId] = role;
        }

        var roomDone = roomId is null || changes.Count == 0 || await StepAsync(failures, async () =>
        {
            try
            {
                await rooms.SetParticipantsAsync(roomId, changes, cancellationToken);
            }
            catch (AcsRequestException ex) when (ex.IsNotFound)
            {
                // The room is gone: no one is in it any more.
            }
        });
        if (roomDone)
        {
            outOfRoom.UnionWith(remove);
        }

        if (remove.All(outOfThread.Contains) && roomDone && threadSettled)
        {
            await store.SettleCommunicationParticipantsAsync(work.BoardId, remove, roomId is null ? new Dictionary<string, string>() : roles, cancellationToken);
            logger.LogInformation("Board {BoardId}: {Removed} users taken out of its thread and room, {Roles} room roles changed", work.BoardId, remove.Count, roles.Count);
            return null;
        }

        // The users and roles still to do, with what each side already did (the rest is decided again next run).
        return new CommunicationWork(work.BoardId, threadId, roomId, remove, roomDone ? new Dictionary<string, string>() : roles)
        {
            // Outsiders not yet out of the thread are found again by listing it next run.
            Reconcile = !threadSettled,
            OutOfThread = outOfThread.Where(remove.Contains).ToList(),
            OutOfRoom = outOfRoom.Where(remove.Contains).ToList(),
        };
    }

    // Takes out of the thread everyone listed in it who is neither the controller nor a user the board lets post (and
    // not already being removed); true when none is left.
    private async Task<bool> RemoveOutsidersAsync(
        string boardId, string threadId, IReadOnlyList<string> inThread, BoardMetadata board, IReadOnlyDictionary<string, CommunicationParticipant> people,
        List<string> removing, List<Exception> failures, CancellationToken cancellationToken)
    {
        var controllerId = await controller.GetIdAsync(cancellationToken);
        var kept = people.Where(p => BoardCommunication.MayPost(board.RoleOf(p.Key)) || removing.Contains(p.Key)).Select(p => p.Value.AcsUserId).ToHashSet(StringComparer.Ordinal);
        var outsiders = inThread.Where(id => id != controllerId && !kept.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var acsUserId in outsiders)
        {
            if (!await StepAsync(failures, () => chat.RemoveParticipantAsync(threadId, acsUserId, cancellationToken)))
            {
                return false;
            }
        }

        if (outsiders.Count > 0)
        {
            logger.LogInformation("Board {BoardId}: {Count} participants the board does not let post taken out of its thread", boardId, outsiders.Count);
        }

        return true;
    }

    // One step against ACS (or storage); a failure is collected rather than thrown, so the other steps still run.
    private static async Task<bool> StepAsync(List<Exception> failures, Func<Task> step)
    {
        try
        {
            await step();
            return true;
        }
        catch (Exception ex) when (IsFailure(ex))
        {
            failures.Add(ex);
            return false;
        }
    }

    private void Report(string boardId, int failedRuns, List<Exception> failures)
    {
        foreach (var failure in failures)
        {
            if (failure is AcsRequestException { IsTransient: false } lasting && failedRuns >= QuietFailedRuns)
            {
                logger.LogError(
                    "The ACS work of board {BoardId} failed {FailedRuns} runs in a row: {Service} {Status} {Code} will not pass by waiting; it stays pending for an operator",
                    boardId, failedRuns, lasting.Service, lasting.Status, lasting.Code);
            }
            else
            {
                logger.LogWarning("The ACS work of board {BoardId} failed (run {FailedRuns}) and stays pending for a retry: {Error}", boardId, failedRuns, failure.Message);
            }
        }
    }
}
