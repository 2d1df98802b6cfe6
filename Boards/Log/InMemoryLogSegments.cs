using System.Collections.Concurrent;

namespace Collab.Boards.Log;

/// <summary>
/// Log segments in this process's memory with the append-position rule of <see cref="BlobLogSegments"/>: the fast
/// tests and the benchmarks run the whole commit path on it, and instances that share one instance of it behave
/// as scaled-out instances sharing storage. Nothing survives a restart; never deploy it.
/// </summary>
public sealed class InMemoryLogSegments : ILogSegments
{
    private readonly ConcurrentDictionary<(string BoardId, long SegmentStart), List<byte>> _segments = new();
    private long _refusedAppends;

    /// <summary>How many appends were refused because another writer appended first: the conflicts group commit had to replan.</summary>
    public long RefusedAppends => Interlocked.Read(ref _refusedAppends);

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>> ReadAsync(string boardId, long segmentStart, long offset, int length, CancellationToken cancellationToken)
    {
        // Storage is a round trip: yielding lets instances interleave as they do against Blob Storage, instead of
        // each commit running to its end synchronously.
        await Task.Yield();
        if (!_segments.TryGetValue((boardId, segmentStart), out var segment))
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        lock (segment)
        {
            return offset < segment.Count ? segment.GetRange((int)offset, Math.Min(length, segment.Count - (int)offset)).ToArray() : [];
        }
    }

    /// <inheritdoc />
    public async Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var segment = _segments.GetOrAdd((boardId, segmentStart), _ => []);
        lock (segment)
        {
            if (segment.Count != offset)
            {
                Interlocked.Increment(ref _refusedAppends);
                return false;
            }

            segment.AddRange(bytes.Span);
            return true;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> ListAsync(string boardId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<long>>(_segments.Keys.Where(k => k.BoardId == boardId).Select(k => k.SegmentStart).Order().ToList());
}
