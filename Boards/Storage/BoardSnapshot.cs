using Collab.Boards.Log;
using Collab.Boards.Model;

namespace Collab.Boards.Storage;

/// <summary>A board at one seq, with where the log continues after it.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="State">The state at <see cref="BoardStateDocument.Seq"/>.</param>
/// <param name="RecentOps">The ids of the operations up to that seq that deduplication still remembers.</param>
/// <param name="SegmentStart">The log segment holding the next operation.</param>
/// <param name="SegmentOffset">The byte offset of the next operation in that segment.</param>
public sealed record BoardSnapshot(string BoardId, BoardStateDocument State, IReadOnlyList<RecentOperation> RecentOps, long SegmentStart, long SegmentOffset)
{
    /// <summary>Where the log continues after the snapshot.</summary>
    public LogPosition Position => new(State.Seq, SegmentStart, SegmentOffset);
}

/// <summary>An operation id a snapshot remembers, so a retry of it after the snapshot is still recognised.</summary>
/// <param name="Author">The sender.</param>
/// <param name="OpId">The client's operation id.</param>
/// <param name="Seq">The seq it was committed as.</param>
/// <param name="At">When it was committed; absent in snapshots written before deduplication kept commit times.</param>
public sealed record RecentOperation(string Author, string OpId, long Seq, DateTimeOffset? At = null);

/// <summary>One entry of a board's snapshot history.</summary>
/// <param name="Seq">The seq the snapshot captures.</param>
/// <param name="CreatedOn">When it was written.</param>
/// <param name="Bytes">Its size.</param>
public sealed record SnapshotInfo(long Seq, DateTimeOffset CreatedOn, long Bytes);
