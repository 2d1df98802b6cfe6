using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace Collab.Boards.Storage;

/// <summary>
/// Snapshots, one block blob per seq. A single upload commits the whole blob or nothing, and
/// <see cref="SnapshotFormat"/> refuses anything torn, so loading falls back to the previous good snapshot instead of
/// loading a broken one.
/// </summary>
public sealed partial class BoardStore
{
    /// <summary>Writes a snapshot unless one already exists at its seq (the content at a seq is always the same).</summary>
    /// <returns>True when this call wrote it.</returns>
    public async Task<bool> WriteSnapshotAsync(BoardSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return await Blobs.TryUploadJsonAsync(
            Snapshot(snapshot.BoardId, snapshot.State.Seq),
            BinaryData.FromBytes(SnapshotFormat.Write(snapshot)),
            new BlobRequestConditions { IfNoneMatch = ETag.All },
            cancellationToken);
    }

    /// <summary>The snapshots of a board, oldest first.</summary>
    public async Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(string boardId, CancellationToken cancellationToken)
    {
        var prefix = SnapshotPrefix(boardId);
        var snapshots = new List<SnapshotInfo>();
        try
        {
            await foreach (var item in Blobs.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                if (NumberIn(item.Name, prefix, ".json") is { } seq)
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
    public async Task<BoardSnapshot?> LoadLatestSnapshotAsync(string boardId, long? atMost, CancellationToken cancellationToken)
    {
        var candidates = (await ListSnapshotsAsync(boardId, cancellationToken)).Where(s => atMost is null || s.Seq <= atMost).OrderByDescending(s => s.Seq);
        foreach (var candidate in candidates)
        {
            try
            {
                var content = await Blobs.GetBlobClient(Snapshot(boardId, candidate.Seq)).DownloadContentAsync(cancellationToken);
                if (SnapshotFormat.Read(content.Value.Content.ToMemory().Span, boardId, candidate.Seq) is { } snapshot)
                {
                    return snapshot;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
            }

            _logger.LogWarning("Skipping torn or unreadable snapshot {Seq} of board {BoardId}", candidate.Seq, boardId);
        }

        return null;
    }
}
