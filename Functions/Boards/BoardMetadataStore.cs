using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Collab.Functions.Configuration;
using Collab.Functions.Storage;

namespace Collab.Functions.Boards;

/// <summary>Board metadata and the display names of a board's people, each a small JSON blob written with ETag conditions.</summary>
public sealed class BoardMetadataStore(BlobServiceClient blobs)
{
    private const int MaxAttempts = 5;

    private BlobContainerClient Container => blobs.GetBlobContainerClient(BoardsOptions.Container);

    /// <summary>The metadata of <paramref name="boardId"/>, or null when the board does not exist.</summary>
    public async Task<BoardMetadata?> GetAsync(string boardId, CancellationToken cancellationToken) =>
        (await ReadAsync<BoardMetadata>(BoardBlobNames.Metadata(boardId), cancellationToken))?.Value;

    /// <summary>Creates the board, or updates it when <paramref name="callerId"/> owns it.</summary>
    /// <returns>The stored metadata and whether it was created; null when someone else owns the board.</returns>
    public async Task<(BoardMetadata Metadata, bool Created)?> CreateOrUpdateAsync(BoardMetadata requested, string callerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requested);
        var name = BoardBlobNames.Metadata(requested.BoardId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var existing = await ReadAsync<BoardMetadata>(name, cancellationToken);
            if (existing is { Value: var current } && current.OwnerId != callerId)
            {
                return null;
            }

            var metadata = existing?.Value is { } old
                ? requested with { OwnerId = old.OwnerId, CallId = old.CallId, CreatedOn = old.CreatedOn }
                : requested;
            if (await TryWriteAsync(name, metadata, existing?.ETag, cancellationToken))
            {
                return (metadata, existing is null);
            }
        }

        throw new RequestFailedException(503, "The board metadata kept changing.");
    }

    /// <summary>The display names of everyone who joined, by user id.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetPeopleAsync(string boardId, CancellationToken cancellationToken) =>
        (await ReadAsync<Dictionary<string, string>>(BoardBlobNames.People(boardId), cancellationToken))?.Value ?? [];

    /// <summary>Records <paramref name="name"/> for <paramref name="userId"/> unless it is already recorded.</summary>
    public async Task RememberNameAsync(string boardId, string userId, string name, CancellationToken cancellationToken)
    {
        var blob = BoardBlobNames.People(boardId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var existing = await ReadAsync<Dictionary<string, string>>(blob, cancellationToken);
            var people = existing?.Value ?? new Dictionary<string, string>(StringComparer.Ordinal);
            if (people.TryGetValue(userId, out var known) && known == name)
            {
                return;
            }

            people[userId] = name;
            if (await TryWriteAsync(blob, people, existing?.ETag, cancellationToken))
            {
                return;
            }
        }
    }

    private async Task<(T Value, ETag ETag)?> ReadAsync<T>(string name, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            return (result.Value.Content.ToObjectFromJson<T>(BoardJson.Options)!, result.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private Task<bool> TryWriteAsync<T>(string name, T value, ETag? etag, CancellationToken cancellationToken) =>
        Container.TryUploadJsonAsync(
            name,
            BinaryData.FromObjectAsJson(value, BoardJson.Options),
            etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All },
            cancellationToken);
}
