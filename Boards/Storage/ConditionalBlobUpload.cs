using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Collab.Boards.Storage;

/// <summary>
/// The conditional write every store uses to settle races without locks: upload under <c>If-None-Match: *</c> or
/// <c>If-Match</c>, report losing the race as <see langword="false"/>, and create the container on first use.
/// </summary>
public static class ConditionalBlobUpload
{
    /// <summary>Uploads <paramref name="content"/> as JSON to <paramref name="blobName"/> if <paramref name="conditions"/> hold.</summary>
    /// <returns>False when the blob already exists (<c>If-None-Match</c>) or changed (<c>If-Match</c>).</returns>
    public static async Task<bool> TryUploadJsonAsync(
        this BlobContainerClient container, string blobName, BinaryData content, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        var options = new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await container.GetBlobClient(blobName).UploadAsync(content, options, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                return false;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound && attempt == 0)
            {
                await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
        }
    }
}
