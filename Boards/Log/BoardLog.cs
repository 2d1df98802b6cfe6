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
    /// when null), handing each to <paramref name="onEntry"/> in order.
    /// </summary>
    /// <returns>The position after the last operation read.</returns>
    /// <exception cref="InvalidDataException">A line is empty or not an operation.</exception>
    public async Task<LogPosition> ReadAsync(string boardId, LogPosition from, long? upTo, Action<LoggedOperation> onEntry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onEntry);
        var position = from;
        while (upTo is null || position.Seq < upTo)
        {
            position = position.Next(SegmentSize);
            var readFrom = position.Offset;
            var bytes = await segments.ReadAsync(boardId, position.SegmentStart, readFrom, cancellationToken);
            foreach (var (entry, end) in ReadLines(bytes.Span))
            {
                if (upTo is not null && entry.Seq > upTo)
                {
                    return position;
                }

                onEntry(entry);
                position = position with { Seq = entry.Seq, Offset = readFrom + end };
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

    /// <summary>At most <paramref name="max"/> operations after <paramref name="after"/>, read from storage from the segment that holds the first.</summary>
    public async Task<IReadOnlyList<LoggedOperation>> ReadAfterAsync(string boardId, long after, int max, CancellationToken cancellationToken)
    {
        var starts = await segments.ListAsync(boardId, cancellationToken);
        var first = starts.LastOrDefault(s => s <= after + 1, starts.FirstOrDefault(1));
        var operations = new List<LoggedOperation>();
        foreach (var start in starts.Where(s => s >= first))
        {
            var bytes = await segments.ReadAsync(boardId, start, 0, cancellationToken);
            foreach (var (entry, _) in ReadLines(bytes.Span))
            {
                if (entry.Seq > after)
                {
                    operations.Add(entry);
                    if (operations.Count == max)
                    {
                        return operations;
                    }
                }
            }
        }

        return operations;
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
