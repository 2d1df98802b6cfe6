using System.Buffers;
using System.Text.Json;
using Collab.Boards.Model;
using Microsoft.Extensions.Options;

namespace Collab.Boards.Log;

/// <summary>
/// A board's operation log: JSON lines (one <see cref="LoggedOperation"/> each) in segments of
/// <see cref="BoardsOptions.LogSegmentSize"/> operations, named by their first seq. This class alone knows the line
/// format, where segments roll and the byte offsets; the bytes live in <see cref="ILogSegments"/>.
/// </summary>
public sealed class BoardLog(ILogSegments segments, IOptions<BoardsOptions> options)
{
    private int SegmentSize => options.Value.LogSegmentSize;

    /// <summary>
    /// Reads the operations after <paramref name="from"/>, across segments, up to <paramref name="upTo"/> (the tail
    /// when null), handing each to <paramref name="onEntry"/> in order. Each segment is read in ranged chunks of
    /// <see cref="BoardsOptions.LogReadChunkBytes"/> from the position on, and reading stops at
    /// <paramref name="upTo"/>: the bytes read are the range asked for plus at most one chunk, and memory holds one
    /// chunk and the line that crosses its end.
    /// </summary>
    /// <returns>The position after the last operation read.</returns>
    /// <exception cref="InvalidDataException">A line is empty or not an operation.</exception>
    public async Task<LogPosition> ReadAsync(string boardId, LogPosition from, long? upTo, Action<LoggedOperation> onEntry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onEntry);
        var chunkSize = options.Value.LogReadChunkBytes;
        var position = from;
        while (upTo is null || position.Seq < upTo)
        {
            position = position.Next(SegmentSize);
            var readAt = position.Offset;
            // The bytes of a line that crosses a chunk's end, kept for the next chunk; they start at bufferStart.
            var carry = ReadOnlyMemory<byte>.Empty;
            var bufferStart = readAt;
            while (true)
            {
                var chunk = await segments.ReadAsync(boardId, position.SegmentStart, readAt, chunkSize, cancellationToken);
                if (chunk.IsEmpty)
                {
                    break;
                }

                readAt += chunk.Length;
                var bytes = carry.IsEmpty ? chunk : Concat(carry, chunk);
                var consumed = 0;
                foreach (var (entry, end) in ReadLines(bytes.Span))
                {
                    if (upTo is not null && entry.Seq > upTo)
                    {
                        return position;
                    }

                    onEntry(entry);
                    consumed = end;
                    position = position with { Seq = entry.Seq, Offset = bufferStart + end };
                }

                carry = bytes[consumed..];
                bufferStart += consumed;
                if (upTo is not null && position.Seq >= upTo)
                {
                    return position;
                }

                if (chunk.Length < chunkSize)
                {
                    break;
                }
            }

            if (position.Next(SegmentSize) == position)
            {
                return position;
            }
        }

        return position;
    }

    /// <summary>Appends <paramref name="operations"/> (the seqs after <paramref name="at"/>) if nobody appended since <paramref name="at"/>.</summary>
    /// <returns>The position after them, or null when another writer appended first.</returns>
    public async Task<LogPosition?> TryAppendAsync(string boardId, LogPosition at, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var position = at.Next(SegmentSize);
        var lines = new ArrayBufferWriter<byte>();
        foreach (var operation in operations)
        {
            using (var writer = new Utf8JsonWriter(lines))
            {
                JsonSerializer.Serialize(writer, operation, BoardJson.Options);
            }

            lines.Write("\n"u8);
        }

        return await segments.TryAppendAsync(boardId, position.SegmentStart, position.Offset, lines.WrittenMemory, cancellationToken)
            ? new LogPosition(operations.Count > 0 ? operations[^1].Seq : at.Seq, position.SegmentStart, position.Offset + lines.WrittenCount)
            : null;
    }

    /// <summary>
    /// At most <paramref name="max"/> operations after <paramref name="after"/>, read in ranged chunks from
    /// <paramref name="nearest"/> (a known position at or before <paramref name="after"/>, such as a snapshot's) when
    /// it lies in the segment holding the first, else from the start of that segment, and no further than the page.
    /// </summary>
    public async Task<IReadOnlyList<LoggedOperation>> ReadAfterAsync(string boardId, LogPosition? nearest, long after, int max, CancellationToken cancellationToken)
    {
        var starts = await segments.ListAsync(boardId, cancellationToken);
        var first = starts.LastOrDefault(s => s <= after + 1, starts.FirstOrDefault(1));
        var from = nearest?.Next(SegmentSize) is { } known && known.SegmentStart == first && known.Seq <= after
            ? known
            : new LogPosition(first - 1, first, 0);
        var operations = new List<LoggedOperation>(Math.Min(max, 1_024));
        await ReadAsync(boardId, from, after + max, entry =>
        {
            if (entry.Seq > after)
            {
                operations.Add(entry);
            }
        }, cancellationToken);
        return operations;
    }

    private static ReadOnlyMemory<byte> Concat(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> tail)
    {
        var joined = new byte[head.Length + tail.Length];
        head.CopyTo(joined);
        tail.CopyTo(joined.AsMemory(head.Length));
        return joined;
    }

    /// <summary>The complete lines of <paramref name="bytes"/>, each with the offset just past it; a trailing partial line is left for the next read.</summary>
    private static List<(LoggedOperation Entry, int End)> ReadLines(ReadOnlySpan<byte> bytes)
    {
        var entries = new List<(LoggedOperation, int)>();
        var position = 0;
        for (var newline = bytes.IndexOf((byte)'\n'); newline >= 0; newline = bytes[position..].IndexOf((byte)'\n'))
        {
            LoggedOperation? entry;
            try
            {
                entry = JsonSerializer.Deserialize<LoggedOperation>(bytes.Slice(position, newline), BoardJson.Options);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException)
            {
                // NotSupportedException: an operation or shape whose type or kind is missing or unknown.
                throw new InvalidDataException("A board log line is not an operation.", ex);
            }

            position += newline + 1;
            entries.Add((entry ?? throw new InvalidDataException("A board log line is empty."), position));
        }

        return entries;
    }
}
