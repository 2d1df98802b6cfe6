using System.ComponentModel.DataAnnotations;

namespace Collab.Boards;

/// <summary>
/// The board engine's settings, section <c>Boards</c>: log segments, deduplication, catch-up pages, the live budget
/// (idle time, boards, bytes), the board size cap and the bounds of history reads.
/// </summary>
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
    /// The most deduplication entries one board keeps, whatever their age: the hard cap of the window (see
    /// <see cref="DeduplicationAge"/>). A board committing more operations than this within the age forgets its
    /// oldest ids early; the default takes over 160 operations a second on one board for two minutes to reach.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DeduplicationHardCap { get; set; } = 20_000;

    /// <summary>How long a board stays loaded in an instance's memory after its last use; it reloads from its snapshot and log when used again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Boards:LiveIdleTimeout must be 00:00:01 to 1.00:00:00.")]
    public TimeSpan LiveIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most boards an instance keeps loaded; beyond it the least recently used idle board is unloaded.</summary>
    [Range(1, 1_000_000)]
    public int LiveMaxBoards { get; set; } = 10_000;

    /// <summary>
    /// The estimated bytes of all loaded boards (state, deduplication window and catch-up queue) an instance keeps;
    /// beyond it the least recently used idle boards are unloaded.
    /// </summary>
    [Range(typeof(long), "1", "68719476736", ErrorMessage = "Boards:LiveMaxBytes must be 1 to 68719476736 (64 GiB).")]
    public long LiveMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The share of either live budget (percent) at which health reports <c>Degraded</c>.</summary>
    [Range(1, 100)]
    public int LiveDegradedAtPercent { get; set; } = 90;

    /// <summary>The most shapes one board may hold; an operation adding one more is refused (413), removing and clearing always pass.</summary>
    [Range(1, 1_000_000)]
    public int MaxShapes { get; set; } = 10_000;

    /// <summary>The most estimated bytes one board's state may hold; an operation that would grow it beyond is refused (413).</summary>
    [Range(typeof(long), "1024", "1073741824", ErrorMessage = "Boards:MaxStateBytes must be 1024 to 1073741824 (1 GiB).")]
    public long MaxStateBytes { get; set; } = 2L * 1024 * 1024;

    /// <summary>The bytes of one ranged read of a log segment: what reading the log holds in memory besides one line and the result.</summary>
    [Range(64, 16 * 1024 * 1024)]
    public int LogReadChunkBytes { get; set; } = 256 * 1024;

    /// <summary>How many history reads (<c>?atSeq</c>, <c>export.svg?atSeq</c>, <c>ops?after</c> beyond memory) one instance runs at once; more are refused with 503 and <c>Retry-After</c>.</summary>
    [Range(1, 1_000)]
    public int HistoryReadConcurrency { get; set; } = 4;

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
