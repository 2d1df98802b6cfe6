using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Collab.Boards.Storage;
using Collab.Functions.Configuration;
using Collab.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tokens;

/// <summary>
/// The user-to-ACS-identity mapping, one blob per user in the identities container. Every write is conditional
/// (create with <c>If-None-Match: *</c>, delete with <c>If-Match</c>), so concurrent calls on any number of
/// instances agree on one mapping without a lock. Blob names are the SHA-256 of the user id, which keeps user ids
/// (personal data, arbitrary characters) out of blob names and listings.
/// </summary>
public sealed class AcsIdentityMappingStore(BlobServiceClient blobs, IOptions<StorageOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private BlobContainerClient Container => blobs.GetBlobContainerClient(options.Value.IdentitiesContainer);

    /// <summary>The mapping of <paramref name="userId"/>, or null when there is none.</summary>
    public async Task<StoredAcsIdentityMapping?> GetAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Blob(userId).DownloadContentAsync(cancellationToken);
            var mapping = result.Value.Content.ToObjectFromJson<AcsIdentityMapping>(Json)!;
            return new StoredAcsIdentityMapping(mapping, result.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Stores a mapping unless <paramref name="userId"/> already has one.</summary>
    /// <returns>True when this call created it; false when another call got there first.</returns>
    public async Task<bool> TryCreateAsync(string userId, string acsUserId, CancellationToken cancellationToken)
    {
        var content = BinaryData.FromObjectAsJson(new AcsIdentityMapping(userId, acsUserId, time.GetUtcNow()), Json);
        return await Container.TryUploadJsonAsync(BlobName(userId), content, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);
    }

    /// <summary>Deletes the mapping if it is still the one read with <paramref name="etag"/>.</summary>
    /// <returns>False when it changed or is already gone.</returns>
    public async Task<bool> DeleteAsync(string userId, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await Blob(userId).DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = etag }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    private BlobClient Blob(string userId) => Container.GetBlobClient(BlobName(userId));

    private static string BlobName(string userId) => "acs/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId))) + ".json";
}
