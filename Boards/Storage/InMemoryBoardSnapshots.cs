using System.Collections.Concurrent;

namespace Collab.Boards.Storage;

/// <summary>
/// Snapshots in this process's memory, kept as the bytes <see cref="SnapshotFormat"/> writes so that loading goes
/// through the same checks as from Blob Storage. For the fast tests and the benchmarks; never deploy it.
/// </summary>
public sealed class InMemoryBoardSnapshots(TimeProvider time) : IBoardSnapshots
{
    private readonly ConcurrentDictionary<(string BoardId, long Seq), (byte[] Content, DateTimeOffset CreatedOn)> _snapshots = new();

    /// <inheritdoc />
    public Task<bool> WriteSnapshotAsync(BoardSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Task.FromResult(_snapshots.TryAdd((snapshot.BoardId, snapshot.State.Seq), (SnapshotFormat.Write(snapshot), time.GetUtcNow())));
    }

    /// <summary>Stores <paramref name="content"/> as the snapshot at <paramref name="seq"/>, whatever it holds: for tests of torn snapshots.</summary>
    public void Put(string boardId, long seq, byte[] content) => _snapshots[(boardId, seq)] = (content, time.GetUtcNow());

    /// <inheritdoc />
    public Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(string boardId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SnapshotInfo>>(_snapshots
            .Where(s => s.Key.BoardId == boardId)
            .Select(s => new SnapshotInfo(s.Key.Seq, s.Value.CreatedOn, s.Value.Content.Length))
            .OrderBy(s => s.Seq)
            .ToList());

    /// <inheritdoc />
    public Task<BoardSnapshot?> LoadLatestSnapshotAsync(string boardId, long? atMost, CancellationToken cancellationToken) =>
        Task.FromResult(_snapshots
            .Where(s => s.Key.BoardId == boardId && (atMost is null || s.Key.Seq <= atMost))
            .OrderByDescending(s => s.Key.Seq)
            .Select(s => SnapshotFormat.Read(s.Value.Content, boardId, s.Key.Seq))
            .FirstOrDefault(s => s is not null));
}
