using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary>Snapshots every board with operations newer than its latest snapshot, on <c>Boards:SnapshotSchedule</c>.</summary>
public sealed class SnapshotTimerFunction(BoardSnapshotter snapshotter)
{
    /// <summary>Runs on the schedule; a missed run is not caught up, because the next run covers it.</summary>
    [Function("SnapshotTimer")]
    public Task Run([TimerTrigger("%Boards:SnapshotSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        snapshotter.SnapshotStaleBoardsAsync(cancellationToken);
}
