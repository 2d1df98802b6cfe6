using Azure;
using Azure.Storage.Blobs;
using Collab.Functions.Configuration;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Boards;

/// <summary>Snapshots every board whose log has moved past its latest snapshot.</summary>
public sealed class BoardSnapshotter(BlobServiceClient blobs, LiveBoards live, SnapshotStore snapshots, ILogger<BoardSnapshotter> logger)
{
    /// <summary>Walks the boards and writes the missing snapshots.</summary>
    /// <returns>How many snapshots were written.</returns>
    public async Task<int> SnapshotStaleBoardsAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        var container = blobs.GetBlobContainerClient(BoardsOptions.Container);
        try
        {
            await foreach (var item in container.GetBlobsByHierarchyAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "/", "boards/", cancellationToken))
            {
                if (!item.IsPrefix)
                {
                    continue;
                }

                var boardId = item.Prefix["boards/".Length..].TrimEnd('/');
                if (!BoardId.IsValid(boardId))
                {
                    continue;
                }

                try
                {
                    var latest = (await snapshots.ListAsync(boardId, cancellationToken)).LastOrDefault();
                    if (await live.SnapshotCurrentAsync(boardId, cancellationToken) is { } snapshot
                        && snapshot.State.Seq > (latest?.Seq ?? 0)
                        && await snapshots.WriteAsync(snapshot, cancellationToken))
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
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }

        logger.LogInformation("Snapshot timer wrote {Count} snapshots", written);
        return written;
    }
}
