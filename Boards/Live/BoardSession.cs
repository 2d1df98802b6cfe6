using System.Collections.Concurrent;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;

namespace Collab.Boards.Live;

/// <summary>
/// One board held in memory by this instance: its state at a log position, the deduplication window, the latest
/// operations for catch-up, and the writer's queue. Everything but the queue is touched only under <see cref="Gate"/>.
/// </summary>
internal sealed class BoardSession(string boardId, BoardsOptions options)
{
    public string BoardId { get; } = boardId;

    /// <summary>One writer (or reader catching up) at a time per board in this instance; other instances are held off by append conditions.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public ConcurrentQueue<PendingOperation> Pending { get; } = new();

    /// <summary>Null until loaded, and again after a failure, so the next caller reloads from storage.</summary>
    public BoardState? State { get; private set; }

    public LogPosition Position { get; set; } = LogPosition.Start;

    public DedupeWindow Dedupe { get; private set; } = new(options.DeduplicationWindow, options.DeduplicationAge);

    /// <summary>The latest operations, oldest first: the fast path of catch-up.</summary>
    public Queue<LoggedOperation> Recent { get; } = new();

    /// <summary>The tail of this board's ordered broadcasts.</summary>
    public Task Broadcasts { get; set; } = Task.CompletedTask;

    /// <summary>The seq of the latest snapshot this instance knows of: the one it loaded, or the last it took after <see cref="BoardsOptions.SnapshotEvery"/> operations.</summary>
    public long SnapshotSeq { get; set; }

    /// <summary>The tail of this board's ordered background writes: activity markers and snapshots.</summary>
    public Task Writes { get; set; } = Task.CompletedTask;

    // The activity bucket (UTC ticks) this instance has marked, so a board writes one marker per bucket; a failed
    // write gives it back from the background, hence Interlocked rather than the gate.
    private long _markedBucket;

    /// <summary>Claims the marker of <paramref name="bucket"/>: true only for the first commit of this instance in it.</summary>
    public bool TryClaimActivityBucket(DateTimeOffset bucket)
    {
        var ticks = bucket.UtcTicks;
        return Interlocked.Exchange(ref _markedBucket, ticks) != ticks;
    }

    /// <summary>Gives back a claim whose marker could not be written, so the next commit in the bucket writes it again.</summary>
    public void ReleaseActivityBucket(DateTimeOffset bucket) => Interlocked.CompareExchange(ref _markedBucket, 0, bucket.UtcTicks);

    /// <summary>Starts from a snapshot, or from an empty board when there is none.</summary>
    public void Load(BoardSnapshot? snapshot)
    {
        Unload();
        State = snapshot is null ? new BoardState() : BoardState.From(snapshot.State);
        Position = snapshot?.Position ?? LogPosition.Start;
        SnapshotSeq = snapshot?.State.Seq ?? 0;
        foreach (var recent in snapshot?.RecentOps ?? [])
        {
            Dedupe.Remember(recent);
        }
    }

    /// <summary>Applies the next operation of the log.</summary>
    public void Apply(LoggedOperation entry)
    {
        State!.Apply(entry);
        Dedupe.Remember(new RecentOperation(entry.Author, entry.OpId, entry.Seq, entry.At));
        Recent.Enqueue(entry);
        while (Recent.Count > options.OpsPageSize)
        {
            Recent.Dequeue();
        }
    }

    /// <summary>Forgets the board, for a reload.</summary>
    public void Unload()
    {
        State = null;
        Position = LogPosition.Start;
        Dedupe = new DedupeWindow(options.DeduplicationWindow, options.DeduplicationAge);
        Recent.Clear();
    }

    /// <summary>The board as a snapshot at its current position.</summary>
    public BoardSnapshot Snapshot()
    {
        var next = Position.Next(options.LogSegmentSize);
        return new BoardSnapshot(BoardId, State!.ToDocument(), Dedupe.ToList(), next.SegmentStart, next.Offset);
    }
}
