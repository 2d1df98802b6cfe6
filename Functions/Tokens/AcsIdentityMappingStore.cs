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
/// (personal data, arbitrary characters) out of blob names and listings. The communication controller's own identity
/// is stored the same way under <see cref="ServiceBlobName"/>, outside the <c>acs/</c> prefix every user's hash lives
/// under, so no user id can name it.
/// </summary>
public sealed class AcsIdentityMappingStore(BlobServiceClient blobs, IOptions<StorageOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The blob of the communication controller's own ACS identity (<see cref="ServiceKey"/>).</summary>
    public const string ServiceBlobName = "acs-service/communication-controller.json";

    /// <summary>The <see cref="AcsIdentityMapping.UserId"/> recorded for the controller's own identity.</summary>
    public const string ServiceKey = "service:communication-controller";

    private BlobContainerClient Container => blobs.GetBlobContainerClient(options.Value.IdentitiesContainer);

    /// <summary>The mapping of <paramref name="userId"/>, or null when there is none.</summary>
    public Task<StoredAcsIdentityMapping?> GetAsync(string userId, CancellationToken cancellationToken) => GetByNameAsync(BlobName(userId), cancellationToken);

    /// <summary>The controller's own identity, or null before it is created.</summary>
    public Task<StoredAcsIdentityMapping?> GetServiceAsync(CancellationToken cancellationToken) => GetByNameAsync(ServiceBlobName, cancellationToken);

    /// <summary>Records the controller's own identity unless one is recorded.</summary>
    /// <returns>True when this call recorded it; false when another call got there first.</returns>
    public Task<bool> TryCreateServiceAsync(string acsUserId, CancellationToken cancellationToken) =>
        TryCreateByNameAsync(ServiceBlobName, ServiceKey, acsUserId, cancellationToken);

    /// <summary>Forgets the controller's identity if it is still the one read with <paramref name="etag"/> (it was deleted outside the app).</summary>
    public Task<bool> DeleteServiceAsync(ETag etag, CancellationToken cancellationToken) => DeleteByNameAsync(ServiceBlobName, etag, cancellationToken);

    private async Task<StoredAcsIdentityMapping?> GetByNameAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
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
    public Task<bool> TryCreateAsync(string userId, string acsUserId, CancellationToken cancellationToken) =>
        TryCreateByNameAsync(BlobName(userId), userId, acsUserId, cancellationToken);

    /// <summary>Deletes the mapping if it is still the one read with <paramref name="etag"/>.</summary>
    /// <returns>False when it changed or is already gone.</returns>
    public Task<bool> DeleteAsync(string userId, ETag etag, CancellationToken cancellationToken) => DeleteByNameAsync(BlobName(userId), etag, cancellationToken);

    private async Task<bool> TryCreateByNameAsync(string blobName, string key, string acsUserId, CancellationToken cancellationToken)
    {
        var content = BinaryData.FromObjectAsJson(new AcsIdentityMapping(key, acsUserId, time.GetUtcNow()), Json);
        return await Container.TryUploadJsonAsync(blobName, content, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);
    }

    private async Task<bool> DeleteByNameAsync(string blobName, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await Container.GetBlobClient(blobName).DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = etag }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    private static string BlobName(string userId) => "acs/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId))) + ".json";
}
