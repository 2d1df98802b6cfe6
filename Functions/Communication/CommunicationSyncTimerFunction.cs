using Collab.Boards.Storage;
using Collab.Boards.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Communication;

/// <summary>
/// On the snapshot timer's schedule (<c>Boards:SnapshotSchedule</c>): retries the pending ACS work of boards
/// (<see cref="CommunicationSync"/>; the listing costs in proportion to the boards with pending work), and prunes the
/// claims of ACS events older than two days (Event Grid stops redelivering after at most 24 hours,
/// shared/protocols/acs-chat-rooms.md §11).
/// </summary>
public sealed class CommunicationSyncTimerFunction(CommunicationSync sync, BoardStore store, TimeProvider time, CollabTelemetry telemetry, ILogger<CommunicationSyncTimerFunction> logger)
{
    /// <summary>How long an event's claim is kept.</summary>
    public static readonly TimeSpan ClaimRetention = TimeSpan.FromDays(2);

    /// <summary>Runs on the schedule.</summary>
    [Function("CommunicationSync")]
    public async Task Run([TimerTrigger("%Boards:SnapshotSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        using var span = telemetry.Start(CollabTelemetry.Spans.Timer);
        span?.SetTag(CollabTelemetry.Tags.Timer, "CommunicationSync");
        var left = await sync.RunPendingAsync(cancellationToken);
        if (left > 0)
        {
            logger.LogWarning("{Boards} boards still have pending ACS work", left);
        }

        var pruned = await store.PruneEventClaimsAsync(time.GetUtcNow() - ClaimRetention, cancellationToken);
        if (pruned > 0)
        {
            logger.LogInformation("Pruned {Claims} claims of relayed ACS events", pruned);
        }
    }
}
