using System.ComponentModel.DataAnnotations;

namespace Collab.Boards;

/// <summary>The board engine's settings, section <c>Boards</c>: log segments, deduplication and catch-up pages.</summary>
public sealed class BoardsOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Boards";

    /// <summary>Operations per log segment (append blob); a segment stays far below the 50,000 blocks an append blob allows.</summary>
    [Range(2, 40_000)]
    public int LogSegmentSize { get; set; } = 10_000;

    /// <summary>How many recent operation ids a snapshot keeps, so retries of operations just before it are still recognised.</summary>
    [Range(0, 100_000)]
    public int DeduplicationWindow { get; set; } = 2_000;

    /// <summary>
    /// How long after its commit an operation id is remembered, however many operations follow it: an id leaves only
    /// when it is both beyond <see cref="DeduplicationWindow"/> and older than this. At least the event handler's
    /// accepted event age, so a retry the handler still accepts is always recognised.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Boards:DeduplicationAge must be 00:00:00 to 01:00:00.")]
    public TimeSpan DeduplicationAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most operations one <c>ops?after=</c> page returns.</summary>
    [Range(1, 10_000)]
    public int OpsPageSize { get; set; } = 1_000;

    /// <summary>
    /// A board is snapshotted after this many committed operations past its latest snapshot, so loading a board never
    /// replays more than about this many operations, whatever the timer does.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SnapshotEvery { get; set; } = 1_000;

    /// <summary>
    /// The width of an activity bucket: a board commits its first operation in a bucket, and the activity index gets
    /// one marker for it (see <see cref="Storage.IBoardActivity"/>). The snapshot timer visits a bucket once it has closed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Boards:ActivityBucket must be 00:00:01 to 1.00:00:00.")]
    public TimeSpan ActivityBucket { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after a bucket closes the timer waits before visiting it: more than the clock skew between instances,
    /// so that no instance still counts a commit into a bucket whose markers the timer is clearing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Boards:ActivityGrace must be 00:00:00 to 01:00:00.")]
    public TimeSpan ActivityGrace { get; set; } = TimeSpan.FromSeconds(30);
}
