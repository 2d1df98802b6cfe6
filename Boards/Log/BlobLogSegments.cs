using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Collab.Boards.Storage;

namespace Collab.Boards.Log;

/// <summary>
/// Log segments as append blobs (named by <see cref="BoardStore.LogSegment"/>). Appends are conditional on the
/// append position, so of two writers that read the same tail only one succeeds and the other must read what was
/// added before it tries again: sequence numbers stay unique and gap-free across instances without a lock.
/// </summary>
public sealed class BlobLogSegments(BlobServiceClient blobs) : ILogSegments
{
    private BlobContainerClient Container => blobs.GetBlobContainerClient(BoardStore.Container);

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>> ReadAsync(string boardId, long segmentStart, long offset, int length, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Container.GetAppendBlobClient(BoardStore.LogSegment(boardId, segmentStart))
                .DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(offset, length) }, cancellationToken);
            return result.Value.Content.ToMemory();
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 416)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
    }

    /// <inheritdoc />
    public async Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var blob = Container.GetAppendBlobClient(BoardStore.LogSegment(boardId, segmentStart));
        var options = new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = offset } };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var stream = new MemoryStream(bytes.ToArray(), writable: false);
                await blob.AppendBlockAsync(stream, options, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                return false;
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && attempt < 2)
            {
                if (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
                {
                    await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                }
                else if (offset == 0)
                {
                    await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } }, cancellationToken);
                }
                else
                {
                    return false;
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> ListAsync(string boardId, CancellationToken cancellationToken)
    {
        var prefix = BoardStore.LogPrefix(boardId);
        var starts = new List<long>();
        try
        {
            await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                if (BoardStore.NumberIn(item.Name, prefix, ".jsonl") is { } start)
                {
                    starts.Add(start);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        starts.Sort();
        return starts;
    }
}
