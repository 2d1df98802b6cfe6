using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Collab.Functions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Boards;

/// <summary>
/// The boards this instance holds in memory, each kept at the tail of its log. Commits are group commits: callers
/// queue their operation, and whoever holds the board's gate appends everything queued in one conditional append,
/// so a busy board costs one storage round trip per batch, not per operation. When another instance appended first,
/// the append fails, the newcomer's lines are read and applied, and the batch is planned again: sequence numbers stay
/// gap-free and an (author, opId) pair is committed at most once, on every instance.
/// </summary>
public sealed class LiveBoards(
    IBoardLog log,
    SnapshotStore snapshots,
    IBoardBroadcaster broadcaster,
    IOptions<BoardsOptions> options,
    TimeProvider time,
    ILogger<LiveBoards> logger)
{
    private const int MaxBatch = 32;
    private const int MaxAppendAttempts = 20;

    private readonly ConcurrentDictionary<string, BoardSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>Commits an operation, or finds that it was committed before.</summary>
    public async Task<CommitResult> CommitAsync(string boardId, string author, IncomingOperation operation, CancellationToken cancellationToken)
    {
        var session = Session(boardId);
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

    /// <summary>The board as of the log's tail now.</summary>
    public async Task<BoardStateDocument> GetCurrentAsync(string boardId, CancellationToken cancellationToken)
    {
        var session = Session(boardId);
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            return (await CurrentAsync(session, cancellationToken)).State.ToDocument();
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>A snapshot of the board at the log's tail now; null for a board without operations.</summary>
    public async Task<BoardSnapshot?> SnapshotCurrentAsync(string boardId, CancellationToken cancellationToken)
    {
        var session = Session(boardId);
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            var cursor = await CurrentAsync(session, cancellationToken);
            return cursor.State.Seq == 0 ? null : Snapshot(boardId, cursor, session.CommittedOrder);
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>The board as it was right after <paramref name="seq"/>, from the nearest snapshot before it plus the log.</summary>
    /// <returns>Null when the board has not reached <paramref name="seq"/>.</returns>
    public async Task<BoardSnapshot?> SnapshotAtAsync(string boardId, long seq, CancellationToken cancellationToken)
    {
        var start = await snapshots.LoadLatestAsync(boardId, seq, cancellationToken);
        var cursor = start is null ? new LogCursor(new BoardState(), 1, 0) : new LogCursor(BoardState.From(start.State), start.SegmentStart, start.SegmentOffset);
        var recent = new Queue<RecentOperation>(start?.RecentOps ?? []);
        await ReplayAsync(boardId, cursor, seq, entry => Remember(recent, new RecentOperation(entry.Author, entry.OpId, entry.Seq), null), cancellationToken);
        return cursor.State.Seq == seq ? Snapshot(boardId, cursor, recent) : null;
    }

    /// <summary>Operations after <paramref name="after"/>, at most one page.</summary>
    public async Task<OpsPage> GetOpsAfterAsync(string boardId, long after, CancellationToken cancellationToken)
    {
        var session = Session(boardId);
        var pageSize = options.Value.OpsPageSize;
        long lastSeq;
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            lastSeq = (await CurrentAsync(session, cancellationToken)).State.Seq;
            if (after >= lastSeq)
            {
                return new OpsPage(boardId, [], lastSeq);
            }

            if (session.RecentLog.TryPeek(out var oldest) && oldest.Seq <= after + 1)
            {
                return new OpsPage(boardId, session.RecentLog.Where(o => o.Seq > after).Take(pageSize).ToList(), lastSeq);
            }
        }
        finally
        {
            session.Gate.Release();
        }

        var segments = await log.ListSegmentsAsync(boardId, cancellationToken);
        var first = segments.LastOrDefault(s => s <= after + 1, segments.FirstOrDefault(1));
        var ops = new List<LoggedOperation>();
        foreach (var segment in segments.Where(s => s >= first))
        {
            foreach (var entry in await log.ReadAsync(boardId, segment, 0, cancellationToken))
            {
                if (entry.Operation.Seq > after && ops.Count < pageSize)
                {
                    ops.Add(entry.Operation);
                }
            }

            if (ops.Count >= pageSize)
            {
                break;
            }
        }

        return new OpsPage(boardId, ops, lastSeq);
    }

    private BoardSession Session(string boardId) => _sessions.GetOrAdd(boardId, id => new BoardSession(id));

    private async Task<LogCursor> CurrentAsync(BoardSession session, CancellationToken cancellationToken)
    {
        if (session.Cursor is null)
        {
            var start = await snapshots.LoadLatestAsync(session.BoardId, null, cancellationToken);
            session.Cursor = start is null
                ? new LogCursor(new BoardState(), 1, 0)
                : new LogCursor(BoardState.From(start.State), start.SegmentStart, start.SegmentOffset);
            foreach (var recent in start?.RecentOps ?? [])
            {
                Remember(session.CommittedOrder, recent, session.Committed);
            }
        }

        await ReplayAsync(session.BoardId, session.Cursor, null, entry => Record(session, entry), cancellationToken);
        return session.Cursor;
    }

    /// <summary>Applies the log after <paramref name="cursor"/> (up to <paramref name="upTo"/>), across segments.</summary>
    private async Task ReplayAsync(string boardId, LogCursor cursor, long? upTo, Action<LoggedOperation> onApplied, CancellationToken cancellationToken)
    {
        var segmentSize = options.Value.LogSegmentSize;
        while (upTo is null || cursor.State.Seq < upTo)
        {
            cursor.RollIfFull(segmentSize);
            var entries = await log.ReadAsync(boardId, cursor.SegmentStart, cursor.Offset, cancellationToken);
            foreach (var entry in entries)
            {
                if (upTo is not null && entry.Operation.Seq > upTo)
                {
                    return;
                }

                cursor.State.Apply(entry.Operation);
                cursor.Offset = entry.EndOffset;
                onApplied(entry.Operation);
            }

            if (!cursor.RollIfFull(segmentSize))
            {
                return;
            }
        }
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
            var cursor = await CurrentAsync(session, cancellationToken);
            for (var attempt = 0; attempt < MaxAppendAttempts; attempt++)
            {
                var planned = Plan(session, batch, cursor.State.Seq);
                if (planned.Fresh.Count == 0)
                {
                    Complete(batch, planned.Results);
                    return;
                }

                cursor.RollIfFull(options.Value.LogSegmentSize);
                if (await log.TryAppendAsync(session.BoardId, cursor.SegmentStart, cursor.Offset, planned.Lines, cancellationToken))
                {
                    cursor.Offset += planned.Lines.Length;
                    foreach (var entry in planned.Fresh)
                    {
                        cursor.State.Apply(entry);
                        Record(session, entry);
                    }

                    Complete(batch, planned.Results);
                    session.Broadcasts = BroadcastAfterAsync(session.Broadcasts, session.BoardId, planned.Fresh);
                    return;
                }

                // Another instance appended first: read what it wrote, then plan the batch again on top of it.
                await ReplayAsync(session.BoardId, cursor, null, entry => Record(session, entry), cancellationToken);
            }

            throw new TimeoutException($"Board {session.BoardId}: the log kept moving; gave up after {MaxAppendAttempts} append attempts.");
        }
        catch (Exception ex)
        {
            // The next caller reloads the board from storage rather than trusting a state that may have missed a write.
            session.Cursor = null;
            session.Committed.Clear();
            session.CommittedOrder.Clear();
            session.RecentLog.Clear();
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(ex);
            }

            logger.LogWarning(ex, "Commit to board {BoardId} failed for {Count} operations", session.BoardId, batch.Count);
        }
    }

    private PlannedBatch Plan(BoardSession session, List<PendingOperation> batch, long lastSeq)
    {
        var now = time.GetUtcNow();
        var fresh = new List<LoggedOperation>();
        var inBatch = new Dictionary<string, long>(StringComparer.Ordinal);
        var results = new CommitResult[batch.Count];
        var lines = new ArrayBufferWriter<byte>();
        var seq = lastSeq;
        for (var i = 0; i < batch.Count; i++)
        {
            var pending = batch[i];
            var key = Key(pending.Author, pending.Operation.OpId);
            if (session.Committed.TryGetValue(key, out var committed) || inBatch.TryGetValue(key, out committed))
            {
                results[i] = new CommitResult(committed, Duplicate: true);
                continue;
            }

            seq++;
            var entry = new LoggedOperation(seq, pending.Operation.OpId, pending.Author, now, pending.Operation.Op);
            using (var writer = new Utf8JsonWriter(lines))
            {
                JsonSerializer.Serialize(writer, entry, BoardJson.Options);
            }

            lines.Write("\n"u8);
            inBatch[key] = seq;
            fresh.Add(entry);
            results[i] = new CommitResult(seq, Duplicate: false);
        }

        return new PlannedBatch(fresh, results, lines.WrittenMemory);
    }

    private void Record(BoardSession session, LoggedOperation entry)
    {
        Remember(session.CommittedOrder, new RecentOperation(entry.Author, entry.OpId, entry.Seq), session.Committed);
        session.RecentLog.Enqueue(entry);
        while (session.RecentLog.Count > options.Value.OpsPageSize)
        {
            session.RecentLog.Dequeue();
        }
    }

    private void Remember(Queue<RecentOperation> order, RecentOperation operation, Dictionary<string, long>? committed)
    {
        order.Enqueue(operation);
        committed?.TryAdd(Key(operation.Author, operation.OpId), operation.Seq);
        while (order.Count > Math.Max(1, options.Value.DeduplicationWindow))
        {
            var old = order.Dequeue();
            committed?.Remove(Key(old.Author, old.OpId));
        }
    }

    private BoardSnapshot Snapshot(string boardId, LogCursor cursor, IEnumerable<RecentOperation> recent)
    {
        var next = new LogCursor(cursor.State, cursor.SegmentStart, cursor.Offset);
        next.RollIfFull(options.Value.LogSegmentSize);
        return new BoardSnapshot(boardId, cursor.State.ToDocument(), recent.ToList(), next.SegmentStart, next.Offset);
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

    private static void Complete(List<PendingOperation> batch, CommitResult[] results)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
        }
    }

    private static string Key(string author, string opId) => author + "\n" + opId;

    private sealed record PlannedBatch(List<LoggedOperation> Fresh, CommitResult[] Results, ReadOnlyMemory<byte> Lines);
}
