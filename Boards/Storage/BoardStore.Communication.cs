using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Collab.Boards.Model;

namespace Collab.Boards.Storage;

/// <summary>
/// What the communication controller keeps beside the boards: the chat thread → board mapping (<c>chat-threads/</c>)
/// that the ACS event webhook reads to relay a thread's messages to its board, the claims of ACS events already
/// relayed (<c>acs-events/{day}/</c>, so a redelivery is relayed once whichever instance it reaches), and the pending
/// ACS work of boards (<c>communication/pending/</c>). Thread ids and event ids are hashed into names: they are
/// opaque strings with characters a blob name should not carry.
/// </summary>
public sealed partial class BoardStore
{
    private const string ThreadsPrefix = "chat-threads/";
    private const string EventClaimsPrefix = "acs-events/";
    private const string PendingPrefix = "communication/pending/";
    private const string ParticipantsPrefix = "communication/participants/";
    private const string DayFormat = "yyyyMMdd";

    /// <summary>The blob mapping <paramref name="threadId"/> to its board.</summary>
    public static string ChatThread(string threadId) => ThreadsPrefix + Hash(threadId) + ".json";

    /// <summary>The claim of an ACS event, named by the day of the event's own time so that every redelivery names the same blob.</summary>
    public static string EventClaim(string eventKey, DateTimeOffset eventTime) =>
        EventClaimsPrefix + eventTime.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture) + "/" + Hash(eventKey);

    /// <summary>The pending ACS work of <paramref name="boardId"/>.</summary>
    public static string PendingCommunication(string boardId) => PendingPrefix + boardId + ".json";

    /// <summary>Who the communication controller added to the board's thread or room: app user id → ACS identity.</summary>
    public static string CommunicationParticipants(string boardId) => ParticipantsPrefix + boardId + ".json";

    /// <summary>The users the controller added to the board's thread or room, by app user id.</summary>
    public async Task<IReadOnlyDictionary<string, CommunicationParticipant>> GetCommunicationParticipantsAsync(string boardId, CancellationToken cancellationToken) =>
        (await ReadJsonAsync<Dictionary<string, CommunicationParticipant>>(CommunicationParticipants(boardId), cancellationToken))?.Value ?? [];

    /// <summary>
    /// Records what the controller is about to give <paramref name="userId"/>: its ACS identity in the thread, and with
    /// <paramref name="roomRole"/>, its role in the room (a null role keeps the recorded one), and with
    /// <paramref name="displayName"/>, the name it has in the thread (a null name keeps the recorded one).
    /// </summary>
    /// <exception cref="RequestFailedException">The record kept changing under us (503).</exception>
    public Task RecordCommunicationParticipantAsync(string boardId, string userId, string acsUserId, string? roomRole, string? displayName, CancellationToken cancellationToken) =>
        ChangeParticipantsAsync(
            boardId,
            people =>
            {
                var known = people.GetValueOrDefault(userId);
                var same = known?.AcsUserId == acsUserId;
                var wanted = new CommunicationParticipant(acsUserId, roomRole ?? (same ? known!.RoomRole : null), displayName ?? (same ? known!.DisplayName : null));
                if (wanted == known)
                {
                    return false;
                }

                people[userId] = wanted;
                return true;
            },
            cancellationToken);

    /// <summary>Applies what the controller did: <paramref name="removed"/> are out of the thread and room, <paramref name="roles"/> have those room roles now.</summary>
    /// <exception cref="RequestFailedException">The record kept changing under us (503).</exception>
    public Task SettleCommunicationParticipantsAsync(string boardId, IReadOnlyCollection<string> removed, IReadOnlyDictionary<string, string> roles, CancellationToken cancellationToken) =>
        ChangeParticipantsAsync(
            boardId,
            people =>
            {
                var changed = false;
                foreach (var user in removed)
                {
                    changed |= people.Remove(user);
                }

                foreach (var (user, role) in roles)
                {
                    if (people.TryGetValue(user, out var known) && known.RoomRole != role)
                    {
                        people[user] = known with { RoomRole = role };
                        changed = true;
                    }
                }

                return changed;
            },
            cancellationToken);

    /// <summary>Deletes the record of a deleted board.</summary>
    public async Task DeleteCommunicationParticipantsAsync(string boardId, CancellationToken cancellationToken) =>
        await Blobs.DeleteBlobIfExistsAsync(CommunicationParticipants(boardId), cancellationToken: cancellationToken);

    /// <summary>Records that <paramref name="threadId"/> is <paramref name="boardId"/>'s thread (idempotent).</summary>
    public async Task RecordChatThreadAsync(string threadId, string boardId, CancellationToken cancellationToken) =>
        await Blobs.TryUploadJsonAsync(
            ChatThread(threadId),
            BinaryData.FromObjectAsJson(new ChatThreadRecord(threadId, boardId), BoardJson.Options),
            new BlobRequestConditions { IfNoneMatch = ETag.All },
            cancellationToken);

    /// <summary>The board whose thread <paramref name="threadId"/> is, or null when it is none of ours (any more).</summary>
    public async Task<string?> FindBoardOfThreadAsync(string threadId, CancellationToken cancellationToken) =>
        (await ReadJsonAsync<ChatThreadRecord>(ChatThread(threadId), cancellationToken)) is { Value: var record } && record.ThreadId == threadId ? record.BoardId : null;

    /// <summary>Forgets the mapping of a deleted thread.</summary>
    public async Task ForgetChatThreadAsync(string threadId, CancellationToken cancellationToken) =>
        await Blobs.DeleteBlobIfExistsAsync(ChatThread(threadId), cancellationToken: cancellationToken);

    /// <summary>
    /// Forgets <paramref name="threadId"/> as the board's chat thread (it is gone from ACS), if it is still the one
    /// recorded (conditional write), so the next join creates another.
    /// </summary>
    /// <returns>The metadata now; null when the board does not exist.</returns>
    public Task<BoardMetadata?> ForgetChatThreadIdAsync(string boardId, string threadId, CancellationToken cancellationToken) =>
        ChangeMetadataAsync(boardId, board => board.ChatThreadId == threadId ? board with { ChatThreadId = null } : null, cancellationToken);

    /// <summary>
    /// Forgets <paramref name="roomId"/> as the board's room (it is gone from ACS), if it is still the one recorded
    /// (conditional write), so the next call creates another.
    /// </summary>
    /// <returns>The metadata now; null when the board does not exist.</returns>
    public Task<BoardMetadata?> ForgetRoomAsync(string boardId, string roomId, CancellationToken cancellationToken) =>
        ChangeMetadataAsync(boardId, board => board.RoomId == roomId ? board with { RoomId = null, RoomValidUntil = null } : null, cancellationToken);

    /// <summary>True when an ACS event was relayed before (its claim exists).</summary>
    public async Task<bool> IsEventClaimedAsync(string eventKey, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        try
        {
            return (await Blobs.GetBlobClient(EventClaim(eventKey, eventTime)).ExistsAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The container does not exist yet: nothing was claimed.
            return false;
        }
    }

    /// <summary>Claims an ACS event as relayed (create-if-absent), once its relay succeeded.</summary>
    /// <returns>False when it was claimed before.</returns>
    public Task<bool> TryClaimEventAsync(string eventKey, DateTimeOffset eventTime, CancellationToken cancellationToken) =>
        Blobs.TryUploadJsonAsync(EventClaim(eventKey, eventTime), BinaryData.Empty, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);

    /// <summary>
    /// Deletes the claims of events from days before <paramref name="before"/>'s day. Event Grid gives up on an event
    /// after at most 24 hours, so a claim two days old can no longer meet a redelivery. The day folders are listed
    /// with a delimiter, so a run costs one listing plus the deletes.
    /// </summary>
    /// <returns>How many claims it deleted.</returns>
    public async Task<int> PruneEventClaimsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = EventClaimsPrefix + before.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture) + "/";
        var deleted = 0;
        var days = new List<string>();
        await foreach (var item in ListingOrEmpty(Blobs.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = EventClaimsPrefix, Delimiter = "/" }, cancellationToken), cancellationToken))
        {
            if (item.IsPrefix && string.CompareOrdinal(item.Prefix, cutoff) < 0)
            {
                days.Add(item.Prefix);
            }
        }

        foreach (var day in days)
        {
            await foreach (var item in ListingOrEmpty(Blobs.GetBlobsAsync(new GetBlobsOptions { Prefix = day }, cancellationToken), cancellationToken))
            {
                await Blobs.DeleteBlobIfExistsAsync(item.Name, cancellationToken: cancellationToken);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Adds <paramref name="work"/> to the board's pending ACS work (merged with what is pending, under ETag conditions).</summary>
    /// <returns>The pending work now.</returns>
    /// <exception cref="RequestFailedException">The record kept changing under us (503).</exception>
    public async Task<CommunicationWork> AddPendingCommunicationAsync(CommunicationWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var name = PendingCommunication(work.BoardId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var existing = await ReadJsonAsync<CommunicationWork>(name, cancellationToken);
            var merged = existing is { Value: var pending } ? pending.Then(work) : work;
            if (await TryWriteJsonAsync(name, merged, existing?.ETag, cancellationToken))
            {
                return merged;
            }
        }

        throw new RequestFailedException(503, "The board's pending ACS work kept changing.");
    }

    /// <summary>The board's pending ACS work and its ETag, or null when nothing is pending.</summary>
    public Task<(CommunicationWork Work, ETag ETag)?> GetPendingCommunicationAsync(string boardId, CancellationToken cancellationToken) =>
        ReadJsonAsync<CommunicationWork>(PendingCommunication(boardId), cancellationToken);

    /// <summary>
    /// Replaces the board's pending work, read with <paramref name="etag"/>, by <paramref name="work"/> (what is left
    /// of it, with its progress), unless more work was added meanwhile.
    /// </summary>
    /// <returns>False when more work arrived meanwhile (the next run starts from the merged work).</returns>
    public Task<bool> TryReplacePendingCommunicationAsync(CommunicationWork work, ETag etag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return TryWriteJsonAsync(PendingCommunication(work.BoardId), work, etag, cancellationToken);
    }

    /// <summary>Clears the board's pending work if nothing was added since it was read with <paramref name="etag"/>.</summary>
    /// <returns>False when more work arrived meanwhile (it stays pending).</returns>
    public async Task<bool> TryClearPendingCommunicationAsync(string boardId, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await Blobs.GetBlobClient(PendingCommunication(boardId)).DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = etag }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404;
        }
    }

    /// <summary>The boards with pending ACS work; the listing costs in proportion to them, not to all boards.</summary>
    public async IAsyncEnumerable<string> ListPendingCommunicationAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ListingOrEmpty(Blobs.GetBlobsAsync(new GetBlobsOptions { Prefix = PendingPrefix }, cancellationToken), cancellationToken))
        {
            if (item.Name.EndsWith(".json", StringComparison.Ordinal))
            {
                yield return item.Name[PendingPrefix.Length..^".json".Length];
            }
        }
    }

    // change edits the dictionary in place and says whether it changed anything; written under ETag conditions.
    private async Task ChangeParticipantsAsync(string boardId, Func<Dictionary<string, CommunicationParticipant>, bool> change, CancellationToken cancellationToken)
    {
        var name = CommunicationParticipants(boardId);
        for (var attempt = 0; attempt < MaxListAttempts; attempt++)
        {
            var existing = await ReadJsonAsync<Dictionary<string, CommunicationParticipant>>(name, cancellationToken);
            var people = existing?.Value ?? new Dictionary<string, CommunicationParticipant>(StringComparer.Ordinal);
            if (!change(people) || await TryWriteJsonAsync(name, people, existing?.ETag, cancellationToken))
            {
                return;
            }
        }

        throw new RequestFailedException(503, "The board's communication participants kept changing.");
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private sealed record ChatThreadRecord(string ThreadId, string BoardId);
}

