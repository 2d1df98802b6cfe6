using System.Collections.Concurrent;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;

namespace Collab.Boards.Live;

/// <summary>
/// One board held in memory by this instance: its state at a log position, the deduplication window, the latest
/// operations for catch-up, and the writer's queue. Everything but the queue is touched only under <see cref="Gate"/>.
/// Its <see cref="EstimatedBytes"/> (state, window and catch-up queue) is kept as a running total and reported to
/// <paramref name="onResize"/> as it changes, for the live budget of <see cref="LiveBoards"/>.
/// </summary>
internal sealed class BoardSession(string boardId, BoardsOptions options, Action<long>? onResize = null)
{
    // The session itself: the gate, the writer's queue, the dictionaries' empty tables and the LRU node.
    private const int Overhead = 1024;

    private readonly Lock _size = new();
    private long _bytes;
    private long _recentBytes;
    private bool _detached;

    // Callers holding a lease; -1 once evicted, after which nobody may take one.
    private int _users;

    public string BoardId { get; } = boardId;

    /// <summary>One writer (or reader catching up) at a time per board in this instance; other instances are held off by append conditions.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public ConcurrentQueue<PendingOperation> Pending { get; } = new();

    /// <summary>Null until loaded, and again after a failure, so the next caller reloads from storage.</summary>
    public BoardState? State { get; private set; }

    public LogPosition Position { get; set; } = LogPosition.Start;

    public DedupeWindow Dedupe { get; private set; } = NewDedupe(options);

    /// <summary>The latest operations, oldest first: the fast path of catch-up.</summary>
    public Queue<LoggedOperation> Recent { get; } = new();

    /// <summary>The tail of this board's ordered broadcasts.</summary>
    public Task Broadcasts { get; set; } = Task.CompletedTask;

    /// <summary>The approximate bytes the session holds in memory.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_size)
            {
                return _bytes;
            }
        }
    }

    /// <summary>When a lease on it was last taken or returned; the LRU order of <see cref="LiveBoards"/>.</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>Its place in the LRU list of <see cref="LiveBoards"/>; null until first used.</summary>
    public LinkedListNode<BoardSession>? Node { get; set; }

    /// <summary>True while a caller holds a lease on it.</summary>
    public bool InUse => Volatile.Read(ref _users) > 0;

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
        Clear();
        State = snapshot is null ? new BoardState() : BoardState.From(snapshot.State);
        Position = snapshot?.Position ?? LogPosition.Start;
        SnapshotSeq = snapshot?.State.Seq ?? 0;
        foreach (var recent in snapshot?.RecentOps ?? [])
        {
            Dedupe.Remember(recent);
        }

        Resize();
    }

    /// <summary>Applies the next operation of the log.</summary>
    public void Apply(LoggedOperation entry)
    {
        State!.Apply(entry);
        Dedupe.Remember(new RecentOperation(entry.Author, entry.OpId, entry.Seq, entry.At));
        Recent.Enqueue(entry);
        _recentBytes += ByteEstimate.Of(entry);
        while (Recent.Count > options.OpsPageSize)
        {
            _recentBytes -= ByteEstimate.Of(Recent.Dequeue());
        }

        Resize();
    }

    /// <summary>Forgets the board, for a reload.</summary>
    public void Unload()
    {
        Clear();
        Resize();
    }

    /// <summary>The board as a snapshot at its current position.</summary>
    public BoardSnapshot Snapshot()
    {
        var next = Position.Next(options.LogSegmentSize);
        return new BoardSnapshot(BoardId, State!.ToDocument(), Dedupe.ToList(), next.SegmentStart, next.Offset);
    }

    /// <summary>Takes a lease, unless the session was evicted.</summary>
    public bool TryEnter()
    {
        for (var users = Volatile.Read(ref _users); users >= 0; users = Volatile.Read(ref _users))
        {
            if (Interlocked.CompareExchange(ref _users, users + 1, users) == users)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Takes one more lease, for background work started by a caller that holds one (so it cannot fail).</summary>
    public void EnterHeld() => Interlocked.Increment(ref _users);

    /// <summary>Returns a lease.</summary>
    public void Exit() => Interlocked.Decrement(ref _users);

    /// <summary>
    /// Marks the session evicted if nobody holds a lease; from then on <see cref="TryEnter"/> fails. Nobody holding a
    /// lease means nobody holds the gate or has an operation queued (committers and readers hold a lease throughout)
    /// and no broadcast or background write is in flight (each holds one until done), so a reloaded session cannot
    /// overtake them. One atomic swap decides, so nothing can start between a check and the eviction.
    /// </summary>
    public bool TryEvict() => Interlocked.CompareExchange(ref _users, -1, 0) == 0;

    /// <summary>Stops reporting size changes, for a session leaving the live set.</summary>
    /// <returns>The bytes last reported, which the live set must now subtract; 0 when already detached.</returns>
    public long Detach()
    {
        lock (_size)
        {
            if (_detached)
            {
                return 0;
            }

            _detached = true;
            return _bytes;
        }
    }

    private static DedupeWindow NewDedupe(BoardsOptions options) =>
        new(options.DeduplicationWindow, options.DeduplicationAge, options.DeduplicationHardCap);

    private void Clear()
    {
        State = null;
        Position = LogPosition.Start;
        Dedupe = NewDedupe(options);
        Recent.Clear();
        _recentBytes = 0;
    }

    private void Resize()
    {
        var bytes = Overhead + (State?.EstimatedBytes ?? 0) + Dedupe.EstimatedBytes + _recentBytes;
        lock (_size)
        {
            var delta = bytes - _bytes;
            _bytes = bytes;
            if (!_detached && delta != 0)
            {
                onResize?.Invoke(delta);
            }
        }
    }
}
