using System.Collections.Concurrent;
using Collab.Functions.Boards;

namespace Collab.Bench.PeerComparison;

/// <summary>
/// The "handler only" mode of the comparison: the operation log in process memory, with the same append-position
/// rule as the blob log, so the handler does all its work except the storage round trip.
/// </summary>
public sealed class InMemoryBoardLog : IBoardLog
{
    private readonly ConcurrentDictionary<(string, long), List<byte>> _segments = new();

    public Task<IReadOnlyList<LogEntry>> ReadAsync(string boardId, long segmentStart, long offset, CancellationToken cancellationToken)
    {
        if (!_segments.TryGetValue((boardId, segmentStart), out var segment))
        {
            return Task.FromResult<IReadOnlyList<LogEntry>>([]);
        }

        byte[] bytes;
        lock (segment)
        {
            bytes = segment.Skip((int)offset).ToArray();
        }

        return Task.FromResult(LogEntry.ReadLines(bytes, offset));
    }

    public Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        var segment = _segments.GetOrAdd((boardId, segmentStart), _ => []);
        lock (segment)
        {
            if (segment.Count != offset)
            {
                return Task.FromResult(false);
            }

            segment.AddRange(lines.ToArray());
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<long>> ListSegmentsAsync(string boardId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<long>>(_segments.Keys.Where(k => k.Item1 == boardId).Select(k => k.Item2).Order().ToList());
}
