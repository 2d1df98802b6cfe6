using System.Collections.Concurrent;
using Collab.Boards.Errors;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Boards.Telemetry;
using Microsoft.Extensions.Options;

namespace Collab.Boards.Live;

/// <summary>
/// The boards this instance holds in memory, each kept at the tail of its log: loaded from the latest snapshot and
/// the log after it, then caught up with whatever other instances appended. Reads of history that is not held in
/// memory go to the snapshots and the log.
/// <para>
/// Budget and eviction: a board unused for <see cref="BoardsOptions.LiveIdleTimeout"/> is unloaded, and beyond
/// <see cref="BoardsOptions.LiveMaxBoards"/> boards or <see cref="BoardsOptions.LiveMaxBytes"/> estimated bytes the
/// least recently used boards are unloaded until the set fits. A board is never unloaded while a caller holds it
/// (committing, queued or reading) or while its broadcasts are in flight; an unloaded board reloads from its latest
/// snapshot and the log after it, which carry its deduplication window, so a retry is still recognised. Idle sweeps
/// run on one timer that exists only while boards are loaded and visit only the boards they unload (plus any in
/// use), so their cost follows the loaded boards, never the stored ones.
/// </para>
/// <para>
/// History reads (<see cref="SnapshotAtAsync"/>, and <c>GetOpsAfterAsync</c> beyond the operations held in
/// memory) start from the nearest snapshot at or below the point and read the log in ranged chunks of
/// <see cref="BoardsOptions.LogReadChunkBytes"/> up to it; at most <see cref="BoardsOptions.HistoryReadConcurrency"/>
/// run at once per instance.
/// </para>
/// </summary>
public sealed class LiveBoards : IDisposable
{
    private static readonly TimeSpan HistoryRetryAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan EvictionWindow = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, BoardSession> _sessions = new(StringComparer.Ordinal);
    private readonly BoardLog _log;
    private readonly IBoardSnapshots _snapshots;
    private readonly BoardsOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _historyReads;
    private readonly Func<string, BoardSession> _newSession;
    private readonly CollabTelemetry? _telemetry;

    // Least recently used last. Guards the list, the timer and the eviction counters.
    private readonly Lock _lru = new();
    private readonly LinkedList<BoardSession> _order = new();
    private readonly long[] _evictions = new long[3];
    private ITimer? _sweeper;
    private long _bytes;
    private DateTimeOffset _windowStart;
    private long _budgetEvictionsInWindow;
    private long _budgetEvictionsInPreviousWindow;

    /// <summary>Creates the live set; with <paramref name="telemetry"/>, loads are traced and <see cref="Usage"/> is published as metrics.</summary>
    public LiveBoards(BoardLog log, IBoardSnapshots snapshots, IOptions<BoardsOptions> options, TimeProvider time, CollabTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _log = log;
        _snapshots = snapshots;
        _options = options.Value;
        _time = time;
        _historyReads = new SemaphoreSlim(_options.HistoryReadConcurrency, _options.HistoryReadConcurrency);
        _newSession = id => new BoardSession(id, _options, delta => Interlocked.Add(ref _bytes, delta));
        _telemetry = telemetry;
        telemetry?.ObserveLiveBoards(Usage);
    }

    /// <summary>The board as of the log's tail now.</summary>
    public Task<BoardStateDocument> GetCurrentAsync(string boardId, CancellationToken cancellationToken) =>
        UnderGateAsync(boardId, session => session.State!.ToDocument(), cancellationToken);

    /// <summary>A snapshot of the board at the log's tail now; null for a board without operations.</summary>
    public Task<BoardSnapshot?> SnapshotCurrentAsync(string boardId, CancellationToken cancellationToken) =>
        UnderGateAsync(boardId, session => session.State!.Seq == 0 ? null : session.Snapshot(), cancellationToken);

    /// <summary>
    /// The board as it was right after <paramref name="seq"/>, from the nearest snapshot at or before it plus the log
    /// up to it, read in bounded chunks: memory holds one chunk and one state.
    /// </summary>
    /// <returns>Null when the board has not reached <paramref name="seq"/>.</returns>
    /// <exception cref="UnavailableException">This instance already runs its most history reads; retry after the given time.</exception>
    public async Task<BoardSnapshot?> SnapshotAtAsync(string boardId, long seq, CancellationToken cancellationToken)
    {
        using var permit = EnterHistoryRead();
        var past = new BoardSession(boardId, _options);
        past.Load(await _snapshots.LoadLatestSnapshotAsync(boardId, seq, cancellationToken));
        past.Position = await _log.ReadAsync(boardId, past.Position, seq, past.Apply, cancellationToken);
        return past.State!.Seq == seq ? past.Snapshot() : null;
    }

    /// <summary>Operations after <paramref name="after"/>, at most one page: from memory when held, else from the log from the nearest snapshot's position.</summary>
    /// <exception cref="UnavailableException">The page must come from storage and this instance already runs its most history reads.</exception>
    public Task<OpsPage> GetOpsAfterAsync(string boardId, long after, CancellationToken cancellationToken) =>
        GetOpsAfterAsync(boardId, after, null, cancellationToken);

    /// <summary>
    /// Operations after <paramref name="after"/>, at most one page; <paramref name="beforeHistoryRead"/> runs (and may
    /// throw, to refuse) only when the page must be read from storage rather than memory, such as a per-user limit.
    /// </summary>
    /// <exception cref="UnavailableException">The page must come from storage and this instance already runs its most history reads.</exception>
    public async Task<OpsPage> GetOpsAfterAsync(string boardId, long after, Action? beforeHistoryRead, CancellationToken cancellationToken)
    {
        var pageSize = _options.OpsPageSize;
        var (lastSeq, recent) = await UnderGateAsync(
            boardId,
            session => (session.State!.Seq, session.Recent.TryPeek(out var oldest) && oldest.Seq <= after + 1
                ? session.Recent.Where(o => o.Seq > after).Take(pageSize).ToList()
                : null),
            cancellationToken);
        if (after >= lastSeq)
        {
            return new OpsPage(boardId, [], lastSeq);
        }

        if (recent is null)
        {
            beforeHistoryRead?.Invoke();
        }

        return new OpsPage(boardId, recent ?? await ReadOpsAfterAsync(boardId, after, pageSize, cancellationToken), lastSeq);
    }

    /// <summary>
    /// Drops the board from this instance's memory, for a deleted board: a board created again under its id must load
    /// from storage, not continue from the old board's log position and state. Work already holding the old session
    /// finishes on it.
    /// </summary>
    public void Forget(string boardId)
    {
        if (_sessions.TryRemove(boardId, out var session))
        {
            lock (_lru)
            {
                Unlink(session);
            }
        }
    }

    /// <summary>What the loaded boards hold against their budgets, and how many were unloaded and why.</summary>
    public LiveBoardsUsage Usage()
    {
        lock (_lru)
        {
            return new LiveBoardsUsage(
                _order.Count,
                Interlocked.Read(ref _bytes),
                _options.LiveMaxBoards,
                _options.LiveMaxBytes,
                _evictions[(int)EvictionReason.Idle],
                _evictions[(int)EvictionReason.BoardBudget],
                _evictions[(int)EvictionReason.ByteBudget],
                BudgetEvictionsLastMinute(_time.GetUtcNow()));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lru)
        {
            _sweeper?.Dispose();
            _sweeper = null;
        }

        _historyReads.Dispose();
    }

    /// <summary>Whether the board is loaded in this instance now.</summary>
    internal bool IsLoaded(string boardId) => _sessions.ContainsKey(boardId);

    /// <summary>Whether the idle sweeper's timer exists; it does only while boards are loaded.</summary>
    internal bool Sweeping
    {
        get
        {
            lock (_lru)
            {
                return _sweeper is not null;
            }
        }
    }

    /// <summary>
    /// The board's session, held in memory until the lease is disposed: a held session is never evicted. Callers
    /// use it for the whole of their work on it (queueing, waiting for the gate, reading).
    /// </summary>
    internal Lease Acquire(string boardId)
    {
        while (true)
        {
            var session = _sessions.GetOrAdd(boardId, _newSession);
            if (session.TryEnter())
            {
                Touch(session);
                return new Lease(this, session);
            }

            // Evicted between the lookup and the lease: its entry is (being) removed; take the next one.
            _sessions.TryRemove(new KeyValuePair<string, BoardSession>(boardId, session));
        }
    }

    /// <summary>Brings a session (whose gate the caller holds) to the log's tail, loading it first if needed.</summary>
    internal async Task CatchUpAsync(BoardSession session, CancellationToken cancellationToken)
    {
        try
        {
            if (session.State is null)
            {
                using var load = _telemetry?.Start(CollabTelemetry.Spans.Load);
                load?.SetTag(CollabTelemetry.Tags.BoardId, session.BoardId);
                var snapshot = await _snapshots.LoadLatestSnapshotAsync(session.BoardId, null, cancellationToken);
                session.Load(snapshot);
                session.Position = await _log.ReadAsync(session.BoardId, session.Position, null, session.Apply, cancellationToken);
                load?.SetTag(CollabTelemetry.Tags.LoadSource, snapshot is null ? "log" : "snapshot")
                    .SetTag(CollabTelemetry.Tags.OpsReplayed, session.State!.Seq - (snapshot?.State.Seq ?? 0))
                    .SetTag(CollabTelemetry.Tags.Seq, session.State.Seq);
                return;
            }

            session.Position = await _log.ReadAsync(session.BoardId, session.Position, null, session.Apply, cancellationToken);
        }
        catch
        {
            // A read that fails part-way has applied operations past the saved position; the next caller reloads
            // from storage instead of applying them twice.
            session.Unload();
            throw;
        }
    }

    private async Task<IReadOnlyList<LoggedOperation>> ReadOpsAfterAsync(string boardId, long after, int pageSize, CancellationToken cancellationToken)
    {
        using var permit = EnterHistoryRead();
        var nearest = after > 0 ? (await _snapshots.LoadLatestSnapshotAsync(boardId, after, cancellationToken))?.Position : null;
        return await _log.ReadAfterAsync(boardId, nearest, after, pageSize, cancellationToken);
    }

    private HistoryPermit EnterHistoryRead() => _historyReads.Wait(0)
        ? new HistoryPermit(_historyReads)
        : throw new UnavailableException("This instance is reading as much board history as it may at once; retry shortly.", HistoryRetryAfter);

    private async Task<T> UnderGateAsync<T>(string boardId, Func<BoardSession, T> read, CancellationToken cancellationToken)
    {
        using var lease = Acquire(boardId);
        var session = lease.Session;
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync(session, cancellationToken);
            return read(session);
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private void Touch(BoardSession session)
    {
        lock (_lru)
        {
            session.LastUsed = _time.GetUtcNow();
            if (session.Node is { List: not null } node)
            {
                _order.Remove(node);
                _order.AddFirst(node);
            }
            else if (session.Node is null && _sessions.TryGetValue(session.BoardId, out var current) && current == session)
            {
                session.Node = _order.AddFirst(session);
                // The sweeper exists only while boards are loaded: an instance with none does no background work.
                if (_sweeper is null)
                {
                    var period = _options.LiveIdleTimeout / 2;
                    _sweeper = _time.CreateTimer(_ => SweepIdle(), null, period, period);
                }
            }
        }
    }

    private void Release(BoardSession session)
    {
        session.Exit();
        Touch(session);
        if (_order.Count > _options.LiveMaxBoards || Interlocked.Read(ref _bytes) > _options.LiveMaxBytes)
        {
            lock (_lru)
            {
                EvictOverBudget();
            }
        }
    }

    // Least recently used first; sessions in use are passed over, so the set may stay over budget while they are held.
    private void EvictOverBudget()
    {
        for (var node = _order.Last; node is not null && OverBudget() is { } reason;)
        {
            var previous = node.Previous;
            TryEvict(node.Value, reason);
            node = previous;
        }
    }

    private EvictionReason? OverBudget() =>
        _order.Count > _options.LiveMaxBoards ? EvictionReason.BoardBudget
        : Interlocked.Read(ref _bytes) > _options.LiveMaxBytes ? EvictionReason.ByteBudget
        : null;

    private void SweepIdle()
    {
        lock (_lru)
        {
            var cutoff = _time.GetUtcNow() - _options.LiveIdleTimeout;
            for (var node = _order.Last; node is not null;)
            {
                var previous = node.Previous;
                var session = node.Value;
                if (!session.InUse)
                {
                    // The list is in order of use: the first idle board used after the cutoff ends the sweep.
                    if (session.LastUsed > cutoff)
                    {
                        break;
                    }

                    TryEvict(session, EvictionReason.Idle);
                }

                node = previous;
            }

            if (_order.Count == 0)
            {
                _sweeper?.Dispose();
                _sweeper = null;
            }
        }
    }

    private void TryEvict(BoardSession session, EvictionReason reason)
    {
        if (!session.TryEvict())
        {
            return;
        }

        _sessions.TryRemove(new KeyValuePair<string, BoardSession>(session.BoardId, session));
        Unlink(session);
        _evictions[(int)reason]++;
        if (reason != EvictionReason.Idle)
        {
            var now = _time.GetUtcNow();
            BudgetEvictionsLastMinute(now);
            _budgetEvictionsInWindow++;
        }
    }

    private void Unlink(BoardSession session)
    {
        if (session.Node is { List: not null } node)
        {
            _order.Remove(node);
        }

        Interlocked.Add(ref _bytes, -session.Detach());
    }

    // Two fixed one-minute windows, the previous one weighted by how much of it still lies within the last minute.
    private long BudgetEvictionsLastMinute(DateTimeOffset now)
    {
        var elapsed = now - _windowStart;
        if (elapsed >= EvictionWindow)
        {
            _budgetEvictionsInPreviousWindow = elapsed >= 2 * EvictionWindow ? 0 : _budgetEvictionsInWindow;
            _budgetEvictionsInWindow = 0;
            _windowStart = elapsed >= 2 * EvictionWindow ? now : _windowStart + EvictionWindow;
            elapsed = now - _windowStart;
        }

        var previousShare = 1 - (elapsed / EvictionWindow);
        return _budgetEvictionsInWindow + (long)Math.Ceiling(_budgetEvictionsInPreviousWindow * previousShare);
    }

    /// <summary>A caller's hold on a session; disposing it lets the session be evicted again.</summary>
    internal readonly struct Lease(LiveBoards owner, BoardSession session) : IDisposable
    {
        public BoardSession Session { get; } = session;

        public void Dispose() => owner.Release(Session);
    }

    private readonly struct HistoryPermit(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
