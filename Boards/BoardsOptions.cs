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

    /// <summary>The most operations one <c>ops?after=</c> page returns.</summary>
    [Range(1, 10_000)]
    public int OpsPageSize { get; set; } = 1_000;
}
