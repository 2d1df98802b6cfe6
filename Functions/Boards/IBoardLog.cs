namespace Collab.Functions.Boards;

/// <summary>Where a board's operation log lives; <see cref="BoardLog"/> keeps it in Blob Storage append blobs.</summary>
public interface IBoardLog
{
    /// <summary>The complete lines of a segment from <paramref name="offset"/> on; empty when there is nothing new or no segment.</summary>
    Task<IReadOnlyList<LogEntry>> ReadAsync(string boardId, long segmentStart, long offset, CancellationToken cancellationToken);

    /// <summary>Appends <paramref name="lines"/> if the segment is still exactly <paramref name="offset"/> bytes long; false when someone else appended first.</summary>
    Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken);

    /// <summary>The first seq of every segment of a board, ascending.</summary>
    Task<IReadOnlyList<long>> ListSegmentsAsync(string boardId, CancellationToken cancellationToken);
}
