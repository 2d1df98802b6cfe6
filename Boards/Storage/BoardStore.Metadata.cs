using Azure;
using Azure.Storage.Blobs.Models;
using Collab.Boards.Model;

namespace Collab.Boards.Storage;

/// <summary>Board metadata and people.</summary>
public sealed partial class BoardStore
{
    /// <summary>The metadata of <paramref name="boardId"/>, or null when the board does not exist.</summary>
    public async Task<BoardMetadata?> GetMetadataAsync(string boardId, CancellationToken cancellationToken) =>
        (await ReadJsonAsync<BoardMetadata>(Metadata(boardId), cancellationToken))?.Value;

    /// <summary>Creates the board, or updates it when <paramref name="callerId"/> owns it.</summary>
    /// <returns>
    /// The stored metadata, whether it was created, and the metadata it replaced (whose members' board lists may have
    /// to lose the board); null when someone else owns the board.
    /// </returns>
    /// <exception cref="RequestFailedException">The metadata kept changing under us (503).</exception>
    public async Task<(BoardMetadata Metadata, bool Created, BoardMetadata? Previous)?> CreateOrUpdateAsync(BoardMetadata requested, string callerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requested);
        var name = Metadata(requested.BoardId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var existing = await ReadJsonAsync<BoardMetadata>(name, cancellationToken);
            if (existing is { Value: var current } && current.OwnerId != callerId)
            {
                return null;
            }

            // A call anyone who is no longer admitted could still join gets a new id; a Fluid container stays.
            var metadata = existing?.Value is { } old
                ? requested with
                {
                    OwnerId = old.OwnerId,
                    CallId = requested.AdmitsEveryoneOf(old) ? old.CallId : requested.CallId,
                    CreatedOn = old.CreatedOn,
                    FluidContainerId = old.FluidContainerId,
                }
                : requested;
            if (await TryWriteJsonAsync(name, metadata, existing?.ETag, cancellationToken))
            {
                return (metadata, existing is null, existing?.Value);
            }
        }

        throw new RequestFailedException(503, "The board metadata kept changing.");
    }

    /// <summary>The display names of everyone who joined, by user id.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetPeopleAsync(string boardId, CancellationToken cancellationToken) =>
        (await ReadJsonAsync<Dictionary<string, string>>(People(boardId), cancellationToken))?.Value ?? [];

    /// <summary>Records <paramref name="name"/> for <paramref name="userId"/> unless it is already recorded.</summary>
    public async Task RememberNameAsync(string boardId, string userId, string name, CancellationToken cancellationToken)
    {
        var blob = People(boardId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var existing = await ReadJsonAsync<Dictionary<string, string>>(blob, cancellationToken);
            var people = existing?.Value ?? new Dictionary<string, string>(StringComparer.Ordinal);
            if (people.TryGetValue(userId, out var known) && known == name)
            {
                return;
            }

            people[userId] = name;
            if (await TryWriteJsonAsync(blob, people, existing?.ETag, cancellationToken))
            {
                return;
            }
        }
    }

    private async Task<(T Value, ETag ETag)?> ReadJsonAsync<T>(string name, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Blobs.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            return (result.Value.Content.ToObjectFromJson<T>(BoardJson.Options)!, result.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private Task<bool> TryWriteJsonAsync<T>(string name, T value, ETag? etag, CancellationToken cancellationToken) =>
        Blobs.TryUploadJsonAsync(
            name,
            BinaryData.FromObjectAsJson(value, BoardJson.Options),
            etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All },
            cancellationToken);
}
