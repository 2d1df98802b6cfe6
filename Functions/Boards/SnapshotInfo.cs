namespace Collab.Functions.Boards;

/// <summary>One entry of a board's snapshot history.</summary>
/// <param name="Seq">The seq the snapshot captures.</param>
/// <param name="CreatedOn">When it was written.</param>
/// <param name="Bytes">Its size.</param>
public sealed record SnapshotInfo(long Seq, DateTimeOffset CreatedOn, long Bytes);
