using Azure;
using Collab.Boards.Live;
using Collab.Boards.Storage;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Boards;

/// <summary>Snapshots every board whose log has moved past its latest snapshot.</summary>
public sealed class BoardSnapshotter(BoardStore store, LiveBoards live, ILogger<BoardSnapshotter> logger)
{
    /// <summary>Walks the boards and writes the missing snapshots.</summary>
    /// <returns>How many snapshots were written.</returns>
    public async Task<int> SnapshotStaleBoardsAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        await foreach (var boardId in store.ListBoardIdsAsync(cancellationToken))
        {
            try
            {
                var latest = (await store.ListSnapshotsAsync(boardId, cancellationToken)).LastOrDefault();
                if (await live.SnapshotCurrentAsync(boardId, cancellationToken) is { } snapshot
                    && snapshot.State.Seq > (latest?.Seq ?? 0)
                    && await store.WriteSnapshotAsync(snapshot, cancellationToken))
                {
                    written++;
                }
            }
            catch (RequestFailedException ex)
            {
                // One unreadable board must not stop the others; the next run tries it again.
                logger.LogWarning("Snapshot of board {BoardId} failed: {Status} {Code}", boardId, ex.Status, ex.ErrorCode);
            }
        }

        logger.LogInformation("Snapshot timer wrote {Count} snapshots", written);
        return written;
    }
}
