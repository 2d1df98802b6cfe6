namespace Collab.Functions.Boards;

/// <summary>A board at one seq, with where the log continues after it.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="State">The state at <see cref="BoardStateDocument.Seq"/>.</param>
/// <param name="RecentOps">The ids of the last operations up to that seq.</param>
/// <param name="SegmentStart">The log segment holding the next operation.</param>
/// <param name="SegmentOffset">The byte offset of the next operation in that segment.</param>
public sealed record BoardSnapshot(string BoardId, BoardStateDocument State, IReadOnlyList<RecentOperation> RecentOps, long SegmentStart, long SegmentOffset);
