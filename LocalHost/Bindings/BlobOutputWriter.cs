using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Collab.LocalHost.Metadata;
using Collab.LocalHost.Rpc;

namespace Collab.LocalHost.Bindings;

/// <summary>
/// Writes the blob outputs an invocation returned (<c>output_data</c>, one <c>ParameterBinding</c> per output
/// binding, <c>../shared/protocols/functions-host-grpc.md</c> §4) at the paths the host resolved before invoking, as
/// the host's blob extension does. A null output (no data) writes nothing.
/// </summary>
public sealed class BlobOutputWriter(IConfiguration configuration)
{
    // One client per connection setting a binding names: bounded by the functions' bindings.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, BlobServiceClient> _services = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Writes each output of <paramref name="response"/> that names a blob output of <paramref name="function"/>.</summary>
    /// <exception cref="InvalidOperationException">A connection setting is missing, or an output is not string, JSON or bytes.</exception>
    public async Task WriteAsync(DeclaredFunction function, IReadOnlyDictionary<string, string> paths, InvocationResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(response);
        foreach (var output in response.OutputData)
        {
            var binding = function.BlobOutputs.FirstOrDefault(b => string.Equals(b.Name, output.Name, StringComparison.OrdinalIgnoreCase));
            if (binding is null || !paths.TryGetValue(binding.Name, out var path) || Content(function, output) is not { } content)
            {
                continue;
            }

            var slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == path.Length - 1)
            {
                throw new InvalidOperationException($"Function '{function.Name}': blob path '{path}' is not container/blob.");
            }

            var container = Service(binding.Connection).GetBlobContainerClient(path[..slash]);
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await container.GetBlobClient(path[(slash + 1)..]).UploadAsync(content, new BlobUploadOptions(), cancellationToken);
        }
    }

    private static BinaryData? Content(DeclaredFunction function, ParameterBinding output) => output.Data?.DataCase switch
    {
        null or TypedData.DataOneofCase.None => null,
        TypedData.DataOneofCase.String => BinaryData.FromString(output.Data.String),
        TypedData.DataOneofCase.Json => BinaryData.FromString(output.Data.Json),
        TypedData.DataOneofCase.Bytes => BinaryData.FromBytes(output.Data.Bytes.Memory),
        TypedData.DataOneofCase.Stream => BinaryData.FromBytes(output.Data.Stream.Memory),
        var other => throw new InvalidOperationException($"Function '{function.Name}': blob output '{output.Name}' came back as {other}, not string, JSON or bytes."),
    };

    private BlobServiceClient Service(string? connection)
    {
        // As the extension does: the named setting (default AzureWebJobsStorage) as a connection string, else
        // {name}__blobServiceUri with a credential is the Azure way, which the local host does not implement.
        var name = string.IsNullOrEmpty(connection) ? "AzureWebJobsStorage" : connection;
        return _services.GetOrAdd(name, n => new BlobServiceClient(configuration[n]
            ?? throw new InvalidOperationException($"No app setting '{n}' for a blob output; set a storage connection string (identity-based connections are not implemented by the local host).")));
    }
}
