using Azure.Storage.Blobs;

namespace Collab.Functions.Health;

/// <summary>Storage answers when the Blob service returns its properties.</summary>
public sealed class BlobStorageProbe(BlobServiceClient blobs) : IDependencyProbe
{
    /// <inheritdoc />
    public string Name => "storage";

    /// <inheritdoc />
    public Task ProbeAsync(CancellationToken cancellationToken) => blobs.GetPropertiesAsync(cancellationToken);
}
