using Collab.Boards.Errors;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Boards.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Boards.Live;

/// <summary>
/// Commits operations with group commit: callers queue their operation, and whoever holds the board's gate appends
/// everything queued in one conditional append, so a busy board costs one storage round trip per batch, not per
/// operation. When another instance appended first, the append fails, the newcomer's lines are read and applied,
/// and the batch is planned again: sequence numbers stay gap-free and an (author, opId) pair is committed at most
/// once, on every instance, within the deduplication window. After a commit it records the board's activity
/// (<see cref="IBoardActivity"/>, once per bucket) and, every <see cref="BoardsOptions.SnapshotEvery"/> operations,
/// a snapshot: both written in the background, in order per board, never failing or holding up the commit.
/// With <paramref name="telemetry"/>, each operation's commit, each batch and each broadcast is a span, and commits,
/// their latency and batch sizes are metrics.
/// </summary>
public sealed class BoardCommitter(
    LiveBoards live,
    BoardLog log,
    IBoardBroadcaster broadcaster,
    TimeProvider time,
    ILogger<BoardCommitter> logger,
    IBoardActivity activity,
    IBoardSnapshots snapshots,
    IOptions<BoardsOptions> options,
    CollabTelemetry? telemetry = null)
{
    private const int MaxBatch = 32;
    private const int MaxAppendAttempts = 20;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>Commits an operation, or finds that it was committed before.</summary>
    /// <exception cref="UnavailableException">Storage failed or the log is unreadable; nothing was committed, and a retry is safe.</exception>
    /// <exception cref="TooLargeException">The operation would take the board beyond its size cap; nothing was stored.</exception>
    public async Task<CommitResult> CommitAsync(string boardId, string author, IncomingOperation operation, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var span = telemetry?.Start(CollabTelemetry.Spans.Commit);
        span?.SetTag(CollabTelemetry.Tags.BoardId, boardId)
            .SetTag(CollabTelemetry.Tags.OpKind, CollabTelemetry.KindOf(operation.Op))
            .SetTag(CollabTelemetry.Tags.UserHash, CollabTelemetry.UserHash(author));
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

        var result = await pending.Completion.Task;
        span?.SetTag(CollabTelemetry.Tags.Seq, result.Seq).SetTag(CollabTelemetry.Tags.Duplicate, result.Duplicate);
        telemetry?.CommitTook(time.GetElapsedTime(started));
        return result;
    }

    private async Task DrainAsync(BoardSession session, CancellationToken cancellationToken)
    {
        var batch = new List<PendingOperation>(MaxBatch);
        while (batch.Count < MaxBatch && session.Pending.TryDequeue(out var pending))
        {
            batch.Add(pending);
        }

        using var span = telemetry?.Start(CollabTelemetry.Spans.CommitBatch);
        span?.SetTag(CollabTelemetry.Tags.BoardId, session.BoardId).SetTag(CollabTelemetry.Tags.BatchSize, batch.Count);
        try
        {
            await live.CatchUpAsync(session, cancellationToken);
            for (var attempt = 0; attempt < MaxAppendAttempts; attempt++)
            {
                span?.SetTag(CollabTelemetry.Tags.AppendAttempts, attempt + 1).SetTag(CollabTelemetry.Tags.Conflicts, attempt);
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
                    session.EnterHeld();
                    session.Broadcasts = UnderLeaseAsync(session, BroadcastAfterAsync(session.Broadcasts, session.BoardId, fresh));
                    RecordCommit(session);
                    RecordMetrics(fresh);
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

            if (failure is UnavailableException)
            {
                telemetry?.DependencyFailed(CollabTelemetry.Dependencies.Storage);
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
        var cap = new BoardSizeCap(session.State!, options.Value);
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

    // Background work holds a lease of its own (taken before it starts), so the board cannot be evicted, and reloaded
    // by the next caller into a second session whose broadcasts overtake these, until it is done.
    private static async Task UnderLeaseAsync(BoardSession session, Task work)
    {
        try
        {
            await work;
        }
        finally
        {
            session.Exit();
        }
    }

    private async Task BroadcastAfterAsync(Task previous, string boardId, IReadOnlyList<LoggedOperation> operations)
    {
        await previous;
        using var span = telemetry?.Start(CollabTelemetry.Spans.Broadcast);
        span?.SetTag(CollabTelemetry.Tags.BoardId, boardId).SetTag(CollabTelemetry.Tags.BatchSize, operations.Count).SetTag(CollabTelemetry.Tags.Seq, operations[^1].Seq);
        try
        {
            await broadcaster.PublishAsync(boardId, operations, CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            telemetry?.DependencyFailed(CollabTelemetry.Dependencies.WebPubSub);
            // Committed operations are safe in the log; clients that miss a broadcast catch up with ops?after.
            logger.LogWarning("Broadcast of {Count} operations to board {BoardId} failed: {Error}", operations.Count, boardId, ex.Message);
        }
    }

    // Under the gate: decides what to write, cheaply; the writes happen in the background, ordered per board.
    private void RecordCommit(BoardSession session)
    {
        var bucket = ActivityMarker.BucketOf(time.GetUtcNow(), options.Value.ActivityBucket);
        var mark = session.TryClaimActivityBucket(bucket);
        BoardSnapshot? snapshot = null;
        if (session.State!.Seq - session.SnapshotSeq >= options.Value.SnapshotEvery)
        {
            // Advanced before the write: a failed write is retried at the next threshold, not at every commit.
            snapshot = session.Snapshot();
            session.SnapshotSeq = snapshot.State.Seq;
        }

        if (mark || snapshot is not null)
        {
            session.EnterHeld();
            session.Writes = UnderLeaseAsync(session, WriteAfterAsync(session.Writes, session, mark ? bucket : null, snapshot));
        }
    }

    private async Task WriteAfterAsync(Task previous, BoardSession session, DateTimeOffset? bucket, BoardSnapshot? snapshot)
    {
        await previous;
        if (bucket is { } marked)
        {
            try
            {
                await activity.MarkActiveAsync(session.BoardId, marked, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The operations are safe in the log; the next commit in the bucket writes the marker again.
                session.ReleaseActivityBucket(marked);
                logger.LogWarning("Activity marker of board {BoardId} for {Bucket:o} failed: {Error}", session.BoardId, marked, ex.Message);
            }
        }

        if (snapshot is not null)
        {
            using var span = telemetry?.Start(CollabTelemetry.Spans.Snapshot);
            span?.SetTag(CollabTelemetry.Tags.BoardId, session.BoardId).SetTag(CollabTelemetry.Tags.Seq, snapshot.State.Seq);
            try
            {
                await snapshots.WriteSnapshotAsync(snapshot, CancellationToken.None);
            }
            catch (Exception ex)
            {
                telemetry?.DependencyFailed(CollabTelemetry.Dependencies.Storage);
                // Loading replays the log after the previous snapshot; the next threshold tries again.
                logger.LogWarning("Snapshot {Seq} of board {BoardId} failed: {Error}", snapshot.State.Seq, session.BoardId, ex.Message);
            }
        }
    }

    private void RecordMetrics(List<LoggedOperation> appended)
    {
        if (telemetry is null)
        {
            return;
        }

        telemetry.BatchAppended(appended.Count);
        foreach (var entry in appended)
        {
            telemetry.OperationCommitted(CollabTelemetry.KindOf(entry.Op));
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
