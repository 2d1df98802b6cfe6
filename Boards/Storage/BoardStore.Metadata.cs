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

    /// <summary>
    /// The metadata of <paramref name="boardId"/> unless it still has the ETag <paramref name="known"/>: a cheap
    /// revalidation (304) for caches.
    /// </summary>
    /// <returns><c>Unchanged</c> when the ETag still matches; else the metadata (null when the board does not exist) and its ETag.</returns>
    public async Task<(bool Unchanged, BoardMetadata? Metadata, ETag? ETag)> RevalidateMetadataAsync(string boardId, ETag? known, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Blobs.GetBlobClient(Metadata(boardId)).DownloadContentAsync(
                new BlobDownloadOptions { Conditions = known is { } etag ? new BlobRequestConditions { IfNoneMatch = etag } : null },
                cancellationToken);

            // The SDK answers 304 with a response that has no value, rather than an exception.
            return result.GetRawResponse().Status == 304
                ? (true, null, known)
                : (false, result.Value.Content.ToObjectFromJson<BoardMetadata>(BoardJson.Options), result.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (false, null, null);
        }
    }

    /// <summary>Creates the board, or updates it when <paramref name="callerId"/> owns it.</summary>
    /// <returns>The stored metadata and what it replaced (null when this call created the board); null when someone else owns the board.</returns>
    /// <exception cref="RequestFailedException">The metadata kept changing under us (503).</exception>
    public async Task<(BoardMetadata Metadata, BoardMetadata? Previous)?> CreateOrUpdateAsync(BoardMetadata requested, string callerId, CancellationToken cancellationToken)
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

            // What the board's services created stays: its Fluid container, chat thread and room (the communication
            // controller takes whoever is no longer admitted out of the thread and the room).
            var metadata = existing?.Value is { } old
                ? requested with
                {
                    OwnerId = old.OwnerId,
                    CreatedOn = old.CreatedOn,
                    FluidContainerId = old.FluidContainerId,
                    ChatThreadId = old.ChatThreadId,
                    RoomId = old.RoomId,
                    RoomValidUntil = old.RoomValidUntil,
                }
                : requested;
            if (await TryWriteJsonAsync(name, metadata, existing?.ETag, cancellationToken))
            {
                return (metadata, existing?.Value);
            }
        }

        throw new RequestFailedException(503, "The board metadata kept changing.");
    }

    /// <summary>Records <paramref name="containerId"/> as the board's Fluid container, unless another one is recorded.</summary>
    /// <returns>The metadata with the container, or null when the board does not exist.</returns>
    /// <exception cref="Errors.ConflictException">Another container is recorded on the board.</exception>
    public async Task<BoardMetadata?> RecordFluidContainerAsync(string boardId, string containerId, CancellationToken cancellationToken)
    {
        var name = Metadata(boardId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await ReadJsonAsync<BoardMetadata>(name, cancellationToken) is not { } existing)
            {
                return null;
            }

            if (existing.Value.FluidContainerId is { } recorded)
            {
                return recorded == containerId ? existing.Value : throw new Errors.ConflictException("The board already has another Fluid container.");
            }

            var updated = existing.Value with { FluidContainerId = containerId };
            if (await TryWriteJsonAsync(name, updated, existing.ETag, cancellationToken))
            {
                return updated;
            }
        }

        throw new RequestFailedException(503, "The board metadata kept changing.");
    }

    /// <summary>
    /// Records <paramref name="threadId"/> as the board's chat thread unless one is recorded (conditional write).
    /// </summary>
    /// <returns>The metadata now: its <see cref="BoardMetadata.ChatThreadId"/> is the thread that won; null when the board does not exist.</returns>
    public Task<BoardMetadata?> RecordChatThreadIdAsync(string boardId, string threadId, CancellationToken cancellationToken) =>
        ChangeMetadataAsync(boardId, board => board.ChatThreadId is null ? board with { ChatThreadId = threadId } : null, cancellationToken);

    /// <summary>
    /// Records <paramref name="roomId"/> as the board's room, valid until <paramref name="validUntil"/>, unless another
    /// room is recorded; for the recorded room, a later <paramref name="validUntil"/> replaces an earlier one.
    /// </summary>
    /// <returns>The metadata now: its <see cref="BoardMetadata.RoomId"/> is the room that won; null when the board does not exist.</returns>
    public Task<BoardMetadata?> RecordRoomAsync(string boardId, string roomId, DateTimeOffset validUntil, CancellationToken cancellationToken) =>
        ChangeMetadataAsync(
            boardId,
            board => board.RoomId is null || (board.RoomId == roomId && (board.RoomValidUntil is not { } until || until < validUntil))
                ? board with { RoomId = roomId, RoomValidUntil = validUntil }
                : null,
            cancellationToken);

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

    // Applies change (null: nothing to change) under If-Match, reading again when another writer got there first.
    private async Task<BoardMetadata?> ChangeMetadataAsync(string boardId, Func<BoardMetadata, BoardMetadata?> change, CancellationToken cancellationToken)
    {
        var name = Metadata(boardId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await ReadJsonAsync<BoardMetadata>(name, cancellationToken) is not { } existing)
            {
                return null;
            }

            if (change(existing.Value) is not { } updated)
            {
                return existing.Value;
            }

            if (await TryWriteJsonAsync(name, updated, existing.ETag, cancellationToken))
            {
                return updated;
            }
        }

        throw new RequestFailedException(503, "The board metadata kept changing.");
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
