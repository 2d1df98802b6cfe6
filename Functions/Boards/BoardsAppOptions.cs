using System.ComponentModel.DataAnnotations;
using Collab.Boards;

namespace Collab.Functions.Boards;

/// <summary>
/// The Function App's own board settings, in the same <c>Boards</c> section as the engine's
/// <see cref="BoardsOptions"/>: the snapshot timer's schedule and the benchmark mode.
/// </summary>
public sealed class BoardsAppOptions
{
    /// <summary>The NCRONTAB schedule (six fields) of the snapshot timer, read by the host as <c>%Boards:SnapshotSchedule%</c>.</summary>
    [Required]
    [RegularExpression(@"^\S+( \S+){5}$", ErrorMessage = "Boards:SnapshotSchedule must be a six-field NCRONTAB expression such as '0 */5 * * * *'.")]
    public string SnapshotSchedule { get; set; } = "0 */5 * * * *";

    /// <summary>
    /// Benchmark mode: operations are kept in this process's memory and not broadcast, so the event handler can be
    /// measured alone; never deploy it. Refused at start-up on Azure (<c>WEBSITE_INSTANCE_ID</c> set).
    /// </summary>
    public bool HandlerOnly { get; set; }
}
