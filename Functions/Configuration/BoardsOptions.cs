using System.ComponentModel.DataAnnotations;

namespace Collab.Functions.Configuration;

/// <summary>Board storage and snapshot settings, section <c>Boards</c>.</summary>
public sealed class BoardsOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Boards";

    /// <summary>The container of every board; fixed because <c>[BlobOutput]</c> paths name it literally.</summary>
    public const string Container = "whiteboards";

    /// <summary>The NCRONTAB schedule (six fields) of the snapshot timer, read by the host as <c>%Boards:SnapshotSchedule%</c>.</summary>
    [Required]
    [RegularExpression(@"^\S+( \S+){5}$", ErrorMessage = "Boards:SnapshotSchedule must be a six-field NCRONTAB expression such as '0 */5 * * * *'.")]
    public string SnapshotSchedule { get; set; } = "0 */5 * * * *";

    /// <summary>Operations per log segment (append blob); a segment stays far below the 50,000 blocks an append blob allows.</summary>
    [Range(2, 40_000)]
    public int LogSegmentSize { get; set; } = 10_000;

    /// <summary>How many recent operation ids a snapshot keeps, so retries of operations just before it are still recognised.</summary>
    [Range(0, 100_000)]
    public int DeduplicationWindow { get; set; } = 2_000;

    /// <summary>The most operations one <c>ops?after=</c> page returns.</summary>
    [Range(1, 10_000)]
    public int OpsPageSize { get; set; } = 1_000;

    /// <summary>
    /// Benchmark mode: operations are kept in this process's memory and not broadcast, so the event handler can be
    /// measured alone; never deploy it. Refused at start-up on Azure (<c>WEBSITE_INSTANCE_ID</c> set).
    /// </summary>
    public bool HandlerOnly { get; set; }
}
