namespace Collab.Functions.Boards;

/// <summary>A state and the log position right after its last operation.</summary>
internal sealed class LogCursor(BoardState state, long segmentStart, long offset)
{
    public BoardState State { get; set; } = state;

    /// <summary>The segment the next operation goes to or is read from.</summary>
    public long SegmentStart { get; set; } = segmentStart;

    /// <summary>The byte offset of the next operation in that segment.</summary>
    public long Offset { get; set; } = offset;

    /// <summary>Moves to the next segment once the current one holds <paramref name="segmentSize"/> operations; every instance applies the same rule, so all agree on segment names.</summary>
    public bool RollIfFull(int segmentSize)
    {
        if (State.Seq - SegmentStart + 1 < segmentSize)
        {
            return false;
        }

        SegmentStart = State.Seq + 1;
        Offset = 0;
        return true;
    }
}
