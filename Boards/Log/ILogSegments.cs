namespace Collab.Boards.Log;

/// <summary>
/// Where a <see cref="BoardLog"/> keeps its bytes: numbered segments that only grow, appended to only at their
/// current length. <see cref="BlobLogSegments"/> keeps them in append blobs, <see cref="InMemoryLogSegments"/> in
/// this process.
/// </summary>
public interface ILogSegments
{
    /// <summary>
    /// At most <paramref name="length"/> bytes of a segment from <paramref name="offset"/> on (a ranged read); fewer
    /// only at the segment's end, and empty when there is nothing there or no segment.
    /// </summary>
    Task<ReadOnlyMemory<byte>> ReadAsync(string boardId, long segmentStart, long offset, int length, CancellationToken cancellationToken);

    /// <summary>Appends <paramref name="bytes"/> if the segment is exactly <paramref name="offset"/> bytes long (creating it at 0); false when someone else appended first.</summary>
    Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>The first seq of every segment of a board, ascending.</summary>
    Task<IReadOnlyList<long>> ListAsync(string boardId, CancellationToken cancellationToken);
}
