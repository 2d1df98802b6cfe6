using Collab.Boards.Errors;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Microsoft.Extensions.Logging;

namespace Collab.Boards.Live;

/// <summary>
/// Commits operations with group commit: callers queue their operation, and whoever holds the board's gate appends
/// everything queued in one conditional append, so a busy board costs one storage round trip per batch, not per
/// operation. When another instance appended first, the append fails, the newcomer's lines are read and applied,
/// and the batch is planned again: sequence numbers stay gap-free and an (author, opId) pair is committed at most
/// once, on every instance, within the deduplication window.
/// </summary>
public sealed class BoardCommitter(LiveBoards live, BoardLog log, IBoardBroadcaster broadcaster, TimeProvider time, ILogger<BoardCommitter> logger)
{
    private const int MaxBatch = 32;
    private const int MaxAppendAttempts = 20;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>Commits an operation, or finds that it was committed before.</summary>
    /// <exception cref="UnavailableException">Storage failed or the log is unreadable; nothing was committed, and a retry is safe.</exception>
    /// <exception cref="TooLargeException">The operation would take the board beyond its size cap; nothing was stored.</exception>
    public async Task<CommitResult> CommitAsync(string boardId, string author, IncomingOperation operation, CancellationToken cancellationToken)
    {
        using var lease = live.Acquire(boardId);
        var session = lease.Session;
        var pending = new PendingOperation(author, operation);
        session.Pending.Enqueue(pending);
        while (!pending.Completion.Task.IsCompleted)
        {
            await session.Gate.WaitAsync(cancellationToken);
            try
            {
                if (!pending.Completion.Task.IsCompleted)
                {
                    // The batch belongs to every queued caller, so one caller's cancellation must not abort it.
                    await DrainAsync(session, CancellationToken.None);
                }
            }
            finally
            {
                session.Gate.Release();
            }
        }

        return await pending.Completion.Task;
    }

    private async Task DrainAsync(BoardSession session, CancellationToken cancellationToken)
    {
        var batch = new List<PendingOperation>(MaxBatch);
        while (batch.Count < MaxBatch && session.Pending.TryDequeue(out var pending))
        {
            batch.Add(pending);
        }

        try
        {
            await live.CatchUpAsync(session, cancellationToken);
            for (var attempt = 0; attempt < MaxAppendAttempts; attempt++)
            {
                var (fresh, results) = Plan(session, batch);
                if (fresh.Count == 0)
                {
                    Complete(batch, results);
                    return;
                }

                if (await log.TryAppendAsync(session.BoardId, session.Position, fresh, cancellationToken) is { } end)
                {
                    foreach (var entry in fresh)
                    {
                        session.Apply(entry);
                    }

                    session.Position = end;
                    Complete(batch, results);
                    session.Broadcasts = BroadcastAfterAsync(session.Broadcasts, session.BoardId, fresh);
                    return;
                }

                // Another instance appended first: read what it wrote, then plan the batch again on top of it.
                await live.CatchUpAsync(session, cancellationToken);
            }

            throw new TimeoutException($"Board {session.BoardId}: the log kept moving; gave up after {MaxAppendAttempts} append attempts.");
        }
        catch (Exception ex)
        {
            // The next caller reloads the board from storage rather than trusting a state that may have missed a write.
            session.Unload();
            var failure = DependencyFailure.IsUnavailable(ex) || ex is InvalidDataException
                ? new UnavailableException("Storage is unavailable; the operation was not committed.", RetryAfter, ex)
                : ex;
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(failure);
            }

            logger.LogWarning(ex, "Commit to board {BoardId} failed for {Count} operations", session.BoardId, batch.Count);
        }
    }

    // The size cap is applied here, under the gate and against the state the append will follow, so concurrent
    // operations cannot together overshoot it; only the operations that would are refused.
    private (List<LoggedOperation> Fresh, Outcome[] Results) Plan(BoardSession session, List<PendingOperation> batch)
    {
        var now = time.GetUtcNow();
        var fresh = new List<LoggedOperation>();
        var inBatch = new Dictionary<(string, string), long>();
        var results = new Outcome[batch.Count];
        var cap = new BoardSizeCap(session.State!, live.Options);
        var seq = session.State!.Seq;
        for (var i = 0; i < batch.Count; i++)
        {
            var (author, opId) = (batch[i].Author, batch[i].Operation.OpId);
            if (session.Dedupe.TryGet(author, opId, out var committed) || inBatch.TryGetValue((author, opId), out committed))
            {
                results[i] = new CommitResult(committed, Duplicate: true);
                continue;
            }

            if (cap.TryAdmit(author, batch[i].Operation.Op) is { } refused)
            {
                results[i] = refused;
                continue;
            }

            seq++;
            inBatch[(author, opId)] = seq;
            fresh.Add(new LoggedOperation(seq, opId, author, now, batch[i].Operation.Op));
            results[i] = new CommitResult(seq, Duplicate: false);
        }

        return (fresh, results);
    }

    private async Task BroadcastAfterAsync(Task previous, string boardId, IReadOnlyList<LoggedOperation> operations)
    {
        await previous;
        try
        {
            await broadcaster.PublishAsync(boardId, operations, CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // Committed operations are safe in the log; clients that miss a broadcast catch up with ops?after.
            logger.LogWarning("Broadcast of {Count} operations to board {BoardId} failed: {Error}", operations.Count, boardId, ex.Message);
        }
    }

    private static void Complete(List<PendingOperation> batch, Outcome[] results)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i].Refusal is { } refusal)
            {
                batch[i].Completion.TrySetException(refusal);
            }
            else
            {
                batch[i].Completion.TrySetResult(results[i].Result!);
            }
        }
    }

    /// <summary>A planned operation's answer: its result, or why it was refused.</summary>
    private readonly record struct Outcome(CommitResult? Result, TooLargeException? Refusal)
    {
        public static implicit operator Outcome(CommitResult result) => new(result, null);

        public static implicit operator Outcome(TooLargeException refusal) => new(null, refusal);
    }
}
