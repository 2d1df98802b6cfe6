using System.Collections.Concurrent;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Microsoft.Extensions.Options;

namespace Collab.Boards.Live;

/// <summary>
/// The boards this instance holds in memory, each kept at the tail of its log: loaded from the latest snapshot and
/// the log after it, then caught up with whatever other instances appended. Reads of history that is not held in
/// memory go to the snapshots and the log.
/// </summary>
public sealed class LiveBoards(BoardLog log, IBoardSnapshots snapshots, IOptions<BoardsOptions> options)
{
    private readonly ConcurrentDictionary<string, BoardSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>The board as of the log's tail now.</summary>
    public Task<BoardStateDocument> GetCurrentAsync(string boardId, CancellationToken cancellationToken) =>
        UnderGateAsync(boardId, session => session.State!.ToDocument(), cancellationToken);

    /// <summary>A snapshot of the board at the log's tail now; null for a board without operations.</summary>
    public Task<BoardSnapshot?> SnapshotCurrentAsync(string boardId, CancellationToken cancellationToken) =>
        UnderGateAsync(boardId, session => session.State!.Seq == 0 ? null : session.Snapshot(), cancellationToken);

    /// <summary>The board as it was right after <paramref name="seq"/>, from the nearest snapshot before it plus the log.</summary>
    /// <returns>Null when the board has not reached <paramref name="seq"/>.</returns>
    public async Task<BoardSnapshot?> SnapshotAtAsync(string boardId, long seq, CancellationToken cancellationToken)
    {
        var past = new BoardSession(boardId, options.Value);
        past.Load(await snapshots.LoadLatestSnapshotAsync(boardId, seq, cancellationToken));
        past.Position = await log.ReadAsync(boardId, past.Position, seq, past.Apply, cancellationToken);
        return past.State!.Seq == seq ? past.Snapshot() : null;
    }

    /// <summary>Operations after <paramref name="after"/>, at most one page.</summary>
    public async Task<OpsPage> GetOpsAfterAsync(string boardId, long after, CancellationToken cancellationToken)
    {
        var pageSize = options.Value.OpsPageSize;
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

        return new OpsPage(boardId, recent ?? await log.ReadAfterAsync(boardId, after, pageSize, cancellationToken), lastSeq);
    }

    /// <summary>
    /// Drops the board from this instance's memory, for a deleted board: a board created again under its id must load
    /// from storage, not continue from the old board's log position and state. Work already holding the old session
    /// finishes on it.
    /// </summary>
    public void Forget(string boardId) => _sessions.TryRemove(boardId, out _);

    internal BoardSession Session(string boardId) => _sessions.GetOrAdd(boardId, id => new BoardSession(id, options.Value));

    /// <summary>Brings a session (whose gate the caller holds) to the log's tail, loading it first if needed.</summary>
    internal async Task CatchUpAsync(BoardSession session, CancellationToken cancellationToken)
    {
        try
        {
            if (session.State is null)
            {
                session.Load(await snapshots.LoadLatestSnapshotAsync(session.BoardId, null, cancellationToken));
            }

            session.Position = await log.ReadAsync(session.BoardId, session.Position, null, session.Apply, cancellationToken);
        }
        catch
        {
            // A read that fails part-way has applied operations past the saved position; the next caller reloads
            // from storage instead of applying them twice.
            session.Unload();
            throw;
        }
    }

    private async Task<T> UnderGateAsync<T>(string boardId, Func<BoardSession, T> read, CancellationToken cancellationToken)
    {
        var session = Session(boardId);
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
}
