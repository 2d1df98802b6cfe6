using System.Text.Json;

namespace Collab.Functions.Boards;

/// <summary>An operation read from a log segment, with the byte offset just past its line.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="EndOffset">Where the next line starts in the segment.</param>
public sealed record LogEntry(LoggedOperation Operation, long EndOffset)
{
    /// <summary>
    /// The complete JSON lines of <paramref name="bytes"/>, which start at byte <paramref name="offset"/> of their
    /// segment; a trailing partial line is left for the next read.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is empty.</exception>
    public static IReadOnlyList<LogEntry> ReadLines(ReadOnlySpan<byte> bytes, long offset)
    {
        var entries = new List<LogEntry>();
        var position = 0;
        for (var newline = bytes.IndexOf((byte)'\n'); newline >= 0; newline = bytes[position..].IndexOf((byte)'\n'))
        {
            var operation = JsonSerializer.Deserialize<LoggedOperation>(bytes.Slice(position, newline), BoardJson.Options)
                ?? throw new InvalidDataException("A board log line is empty.");
            position += newline + 1;
            entries.Add(new LogEntry(operation, offset + position));
        }

        return entries;
    }
}
