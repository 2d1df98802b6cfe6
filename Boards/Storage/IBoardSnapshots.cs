namespace Collab.Boards.Storage;

/// <summary>
/// Where a board's snapshots are kept: <see cref="BoardStore"/> in Blob Storage, <see cref="InMemoryBoardSnapshots"/>
/// in this process for the fast tests and the benchmarks.
/// </summary>
public interface IBoardSnapshots
{
    /// <summary>Writes a snapshot unless one already exists at its seq (the content at a seq is always the same).</summary>
    /// <returns>True when this call wrote it.</returns>
    Task<bool> WriteSnapshotAsync(BoardSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>The snapshots of a board, oldest first.</summary>
    Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(string boardId, CancellationToken cancellationToken);

    /// <summary>The newest intact snapshot at or before <paramref name="atMost"/> (any seq when null), or null.</summary>
    Task<BoardSnapshot?> LoadLatestSnapshotAsync(string boardId, long? atMost, CancellationToken cancellationToken);
}
