using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Collab.Functions.Configuration;
using Collab.Functions.Storage;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Boards;

/// <summary>
/// Snapshots in Blob Storage, one block blob per seq (<c>boards/{id}/snapshots/{seq}.json</c>). A single upload
/// commits the whole blob or nothing, and <see cref="SnapshotFormat"/> refuses anything torn, so loading falls back to
/// the previous good snapshot instead of loading a broken one.
/// </summary>
public sealed class SnapshotStore(BlobServiceClient blobs, ILogger<SnapshotStore> logger)
{
    private BlobContainerClient Container => blobs.GetBlobContainerClient(BoardsOptions.Container);

    /// <summary>Writes a snapshot unless one already exists at its seq (the content at a seq is always the same).</summary>
    /// <returns>True when this call wrote it.</returns>
    public async Task<bool> WriteAsync(BoardSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return await Container.TryUploadJsonAsync(
            BoardBlobNames.Snapshot(snapshot.BoardId, snapshot.State.Seq),
            BinaryData.FromBytes(SnapshotFormat.Write(snapshot)),
            new BlobRequestConditions { IfNoneMatch = ETag.All },
            cancellationToken);
    }

    /// <summary>The snapshots of a board, oldest first.</summary>
    public async Task<IReadOnlyList<SnapshotInfo>> ListAsync(string boardId, CancellationToken cancellationToken)
    {
        var prefix = BoardBlobNames.SnapshotPrefix(boardId);
        var snapshots = new List<SnapshotInfo>();
        try
        {
            await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                if (BoardBlobNames.NumberIn(item.Name, prefix, ".json") is { } seq)
                {
                    snapshots.Add(new SnapshotInfo(seq, item.Properties.CreatedOn ?? item.Properties.LastModified ?? DateTimeOffset.MinValue, item.Properties.ContentLength ?? 0));
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        return snapshots.OrderBy(s => s.Seq).ToList();
    }

    /// <summary>The newest intact snapshot at or before <paramref name="atMost"/> (any seq when null), or null.</summary>
    public async Task<BoardSnapshot?> LoadLatestAsync(string boardId, long? atMost, CancellationToken cancellationToken)
    {
        var candidates = (await ListAsync(boardId, cancellationToken)).Where(s => atMost is null || s.Seq <= atMost).OrderByDescending(s => s.Seq);
        foreach (var candidate in candidates)
        {
            try
            {
                var content = await Container.GetBlobClient(BoardBlobNames.Snapshot(boardId, candidate.Seq)).DownloadContentAsync(cancellationToken);
                if (SnapshotFormat.Read(content.Value.Content.ToMemory().Span, boardId, candidate.Seq) is { } snapshot)
                {
                    return snapshot;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
            }

            logger.LogWarning("Skipping torn or unreadable snapshot {Seq} of board {BoardId}", candidate.Seq, boardId);
        }

        return null;
    }
}
