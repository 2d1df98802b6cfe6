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
}
