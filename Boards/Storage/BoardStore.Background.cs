using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace Collab.Boards.Storage;

/// <summary>The background image.</summary>
public sealed partial class BoardStore
{
    /// <summary>Stores a board's background image, tagged with its version.</summary>
    public async Task PutBackgroundAsync(string boardId, byte[] image, string mediaType, string version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        await Blobs.GetBlobClient(Background(boardId)).UploadAsync(BinaryData.FromBytes(image), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = mediaType, CacheControl = "no-cache" },
            Metadata = new Dictionary<string, string> { ["version"] = version },
        }, cancellationToken);
        _logger.LogInformation("Background {Version} ({MediaType}, {Bytes} bytes) stored for board {BoardId}", version, mediaType, image.Length, boardId);
    }

    /// <summary>The background image, its media type and version, or null when the board has none.</summary>
    public async Task<(BinaryData Content, string MediaType, string Version)?> GetBackgroundAsync(string boardId, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Blobs.GetBlobClient(Background(boardId)).DownloadContentAsync(cancellationToken);
            var version = result.Value.Details.Metadata.TryGetValue("version", out var v) ? v : result.Value.Details.ETag.ToString();
            return (result.Value.Content, result.Value.Details.ContentType, version);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
