namespace Collab.Boards.Storage;

/// <summary>
/// The activity index: which boards committed operations in which time bucket, so the snapshot timer visits only
/// boards with activity since their last snapshot, at a cost that follows active boards, not stored ones.
/// <see cref="BoardStore"/> keeps it in Blob Storage, <see cref="InMemoryBoardActivity"/> in this process.
/// </summary>
public interface IBoardActivity
{
    /// <summary>Records that <paramref name="boardId"/> committed operations in the bucket starting at <paramref name="bucket"/>; recording it again is harmless.</summary>
    Task MarkActiveAsync(string boardId, DateTimeOffset bucket, CancellationToken cancellationToken);

    /// <summary>The markers of buckets that start before <paramref name="before"/>, oldest bucket first.</summary>
    IAsyncEnumerable<ActivityMarker> ListMarkersAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Removes a marker once its board has been snapshotted; removing a missing marker is harmless.</summary>
    Task ClearAsync(ActivityMarker marker, CancellationToken cancellationToken);
}

/// <summary>A board that committed operations in a time bucket.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Bucket">The start of the bucket.</param>
public sealed record ActivityMarker(string BoardId, DateTimeOffset Bucket)
{
    /// <summary>The start of the bucket of width <paramref name="width"/> that holds <paramref name="at"/>, in UTC.</summary>
    public static DateTimeOffset BucketOf(DateTimeOffset at, TimeSpan width)
    {
        var ticks = at.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % width.Ticks), TimeSpan.Zero);
    }
}
