using System.Collections.Concurrent;
using Collab.Functions.Configuration;

namespace Collab.Functions.Boards;

/// <summary>
/// The operation log of the <see cref="BoardsOptions.HandlerOnly"/> benchmark mode: segments in this process's
/// memory, with the same append-position rule as <see cref="BoardLog"/>, so the event handler does all its work
/// except the storage round trip. Nothing survives a restart; never deploy it.
/// </summary>
public sealed class InMemoryBoardLog : IBoardLog
{
    private readonly ConcurrentDictionary<(string BoardId, long SegmentStart), List<byte>> _segments = new();

    /// <inheritdoc />
    public Task<IReadOnlyList<LogEntry>> ReadAsync(string boardId, long segmentStart, long offset, CancellationToken cancellationToken)
    {
        if (!_segments.TryGetValue((boardId, segmentStart), out var segment))
        {
            return Task.FromResult<IReadOnlyList<LogEntry>>([]);
        }

        byte[] bytes;
        lock (segment)
        {
            bytes = offset < segment.Count ? segment.GetRange((int)offset, segment.Count - (int)offset).ToArray() : [];
        }

        return Task.FromResult(LogEntry.ReadLines(bytes, offset));
    }

    /// <inheritdoc />
    public Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        var segment = _segments.GetOrAdd((boardId, segmentStart), _ => []);
        lock (segment)
        {
            if (segment.Count != offset)
            {
                return Task.FromResult(false);
            }

            segment.AddRange(lines.Span);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> ListSegmentsAsync(string boardId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<long>>(_segments.Keys.Where(k => k.BoardId == boardId).Select(k => k.SegmentStart).Order().ToList());
}
