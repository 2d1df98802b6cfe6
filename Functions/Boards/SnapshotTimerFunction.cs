using Collab.Boards.Live;
using Collab.Boards.Telemetry;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary>
/// Snapshots the boards with activity since their latest snapshot, on <c>Boards:SnapshotSchedule</c>: only boards in
/// the activity index are read (see <see cref="BoardSnapshotter"/>).
/// </summary>
public sealed class SnapshotTimerFunction(BoardSnapshotter snapshotter, CollabTelemetry telemetry)
{
    /// <summary>Runs on the schedule; a missed run is not caught up by the host, because the next run reads every closed bucket.</summary>
    [Function("SnapshotTimer")]
    public async Task Run([TimerTrigger("%Boards:SnapshotSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        using var span = telemetry.Start(CollabTelemetry.Spans.Timer);
        span?.SetTag(CollabTelemetry.Tags.Timer, "SnapshotTimer");
        await snapshotter.SnapshotActiveBoardsAsync(cancellationToken);
    }
}
