namespace Collab.Boards.Log;

/// <summary>A place in a board's log: right after operation <see cref="Seq"/>, which ends at <see cref="Offset"/> of the segment starting at <see cref="SegmentStart"/>.</summary>
/// <param name="Seq">The last operation before this position; 0 at the start.</param>
/// <param name="SegmentStart">The first seq of the segment the next operation is read from or written to.</param>
/// <param name="Offset">The byte offset of the next operation in that segment.</param>
public readonly record struct LogPosition(long Seq, long SegmentStart, long Offset)
{
    /// <summary>The start of every log.</summary>
    public static LogPosition Start { get; } = new(0, 1, 0);

    /// <summary>
    /// Where the next operation goes: the next segment once the current one holds <paramref name="segmentSize"/>
    /// operations. Every instance applies the same rule, so all agree on segment names.
    /// </summary>
    public LogPosition Next(int segmentSize) => Seq - SegmentStart + 1 >= segmentSize ? new LogPosition(Seq, Seq + 1, 0) : this;
}
