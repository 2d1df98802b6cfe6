using System.Collections.Concurrent;
using Collab.Boards.Errors;
using Collab.Boards.Log;
using Collab.Boards.Storage;
using Collab.Boards.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Boards.Live;

/// <summary>
/// One pass of the snapshot timer: it reads the activity index (<see cref="IBoardActivity"/>) for buckets closed at
/// least <see cref="BoardsOptions.ActivityGrace"/> ago, snapshots each board found there whose log moved past its
/// latest snapshot, then clears that board's markers. Its cost follows the boards active since the last pass: a
/// board with no marker is never read, however many are stored. Markers of every closed bucket are read, not only
/// the last one, so a missed or failed pass is caught up by the next; a board that fails keeps its markers.
/// Each board is loaded into a session of its own that is dropped after the snapshot, so a pass does not fill
/// <see cref="LiveBoards"/>; at most <see cref="Parallelism"/> such sessions exist at a time.
/// </summary>
public sealed class BoardSnapshotter(
    BoardLog log,
    IBoardSnapshots snapshots,
    IBoardActivity activity,
    TimeProvider time,
    IOptions<BoardsOptions> options,
    ILogger<BoardSnapshotter> logger,
    CollabTelemetry? telemetry = null)
{
    /// <summary>How many boards a pass snapshots at once.</summary>
    public const int Parallelism = 8;

    /// <summary>Snapshots the boards active in the closed buckets and clears their markers.</summary>
    public async Task<SnapshotPass> SnapshotActiveBoardsAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var closedBefore = ActivityMarker.BucketOf(time.GetUtcNow() - settings.ActivityGrace, settings.ActivityBucket);
        var markers = new Dictionary<string, List<ActivityMarker>>(StringComparer.Ordinal);
        await foreach (var marker in activity.ListMarkersAsync(closedBefore, cancellationToken))
        {
            if (!markers.TryGetValue(marker.BoardId, out var ofBoard))
            {
                markers[marker.BoardId] = ofBoard = [];
            }

            ofBoard.Add(marker);
        }

        var written = 0;
        var failed = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            markers,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (board, token) =>
            {
                try
                {
                    if (await SnapshotAsync(board.Key, token))
                    {
                        Interlocked.Increment(ref written);
                    }

                    foreach (var marker in board.Value)
                    {
                        await activity.ClearAsync(marker, token);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // One unreadable board must not stop the others; its markers stay for the next pass.
                    failed.Add(board.Key);
                    if (DependencyFailure.IsUnavailable(ex))
                    {
                        telemetry?.DependencyFailed(CollabTelemetry.Dependencies.Storage);
                    }

                    logger.LogWarning("Snapshot of board {BoardId} failed; its activity stays for the next pass: {Error}", board.Key, ex.Message);
                }
            });

        var pass = new SnapshotPass(markers.Count, written, failed.Count);
        logger.LogInformation(
            "Snapshot timer visited {Visited} active boards before {ClosedBefore:o}, wrote {Written} snapshots, {Failed} failed",
            pass.BoardsVisited,
            closedBefore,
            pass.SnapshotsWritten,
            pass.Failures);
        return pass;
    }

    // The latest snapshot plus the log after it, in a session of its own; writes a snapshot when the log moved on.
    private async Task<bool> SnapshotAsync(string boardId, CancellationToken cancellationToken)
    {
        using var span = telemetry?.Start(CollabTelemetry.Spans.Snapshot);
        span?.SetTag(CollabTelemetry.Tags.BoardId, boardId);
        var board = new BoardSession(boardId, options.Value);
        board.Load(await snapshots.LoadLatestSnapshotAsync(boardId, null, cancellationToken));
        board.Position = await log.ReadAsync(boardId, board.Position, null, board.Apply, cancellationToken);
        var seq = board.State!.Seq;
        span?.SetTag(CollabTelemetry.Tags.Seq, seq).SetTag(CollabTelemetry.Tags.OpsReplayed, seq - board.SnapshotSeq);
        return seq > board.SnapshotSeq && await snapshots.WriteSnapshotAsync(board.Snapshot(), cancellationToken);
    }
}

/// <summary>What one pass of <see cref="BoardSnapshotter"/> did.</summary>
/// <param name="BoardsVisited">Boards with activity markers in the closed buckets.</param>
/// <param name="SnapshotsWritten">Snapshots written.</param>
/// <param name="Failures">Boards that failed and kept their markers.</param>
public sealed record SnapshotPass(int BoardsVisited, int SnapshotsWritten, int Failures);
