using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Collab.Boards.Model;

namespace Collab.Boards.Storage;

/// <summary>
/// Board lists and deletion. Each user's list is one small JSON blob, changed only under ETag conditions so that
/// concurrent changes to one list never lose each other. The metadata stays the truth: a list is brought in line
/// with it, never the other way round.
/// </summary>
public sealed partial class BoardStore
{
    /// <summary>The most boards one list keeps; beyond it, the oldest boards the user does not own drop out first.</summary>
    public const int MaxListedBoards = 1000;

    private const string UsersPrefix = "users/";

    // One user creating several boards at once races on one list blob; each lost race costs a read and a write.
    private const int MaxListAttempts = 10;

    // Lists of a board's members are written in parallel, but a board with 100 members must not open 100 requests.
    private const int ListWriters = 8;

    /// <summary>A user's board list, named by the SHA-256 of the user id so that no user id appears in a blob name.</summary>
    public static string UserBoards(string userId) =>
        UsersPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId))) + "/boards.json";

    /// <summary>The boards <paramref name="userId"/> owns or is a member of, newest first.</summary>
    public async Task<IReadOnlyList<UserBoard>> ListUserBoardsAsync(string userId, CancellationToken cancellationToken) =>
        (await ReadJsonAsync<List<UserBoard>>(UserBoards(userId), cancellationToken))?.Value ?? [];

    /// <summary>
    /// Brings the lists of <paramref name="userIds"/>, and of everyone the board names now, in line with the board's
    /// stored metadata: the board is listed, with the user's role, for its owner and explicit members, and for no one
    /// once it is gone.
    /// </summary>
    /// <exception cref="RequestFailedException">The board or a list kept changing under us (503).</exception>
    public async Task UpdateUserListsAsync(string boardId, IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var users = new HashSet<string>(userIds, StringComparer.Ordinal);
        for (var pass = 0; pass < MaxAttempts; pass++)
        {
            var stored = await ReadJsonAsync<BoardMetadata>(Metadata(boardId), cancellationToken);
            users.UnionWith(UserBoard.ListedUsersOf(stored?.Value));
            await SetListEntriesAsync(users, boardId, user => UserBoard.For(stored?.Value, user), cancellationToken);

            // A writer that changed the board meanwhile may have updated a list before this pass overwrote it with
            // what this pass had read; passing again over every user touched so far, from the metadata now, settles it.
            if (await MetadataETagAsync(boardId, cancellationToken) == stored?.ETag)
            {
                return;
            }
        }

        throw new RequestFailedException(503, "The board kept changing while its users' lists were updated.");
    }

    /// <summary>Takes <paramref name="boardId"/> off the lists of <paramref name="userIds"/>, whatever the metadata says.</summary>
    /// <exception cref="RequestFailedException">A list kept changing under us (503).</exception>
    public Task RemoveFromUserListsAsync(string boardId, IEnumerable<string> userIds, CancellationToken cancellationToken) =>
        SetListEntriesAsync(userIds.Distinct(StringComparer.Ordinal), boardId, _ => null, cancellationToken);

    /// <summary>The metadata of <paramref name="boardId"/> with its ETag, or null when the board does not exist.</summary>
    public Task<(BoardMetadata Metadata, ETag ETag)?> GetMetadataVersionAsync(string boardId, CancellationToken cancellationToken) =>
        ReadJsonAsync<BoardMetadata>(Metadata(boardId), cancellationToken);

    /// <summary>Deletes the metadata, the last blob of a deleted board, if it is still at <paramref name="etag"/>.</summary>
    /// <returns>False when it changed meanwhile or is already gone.</returns>
    public async Task<bool> TryDeleteMetadataAsync(string boardId, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await Blobs.GetBlobClient(Metadata(boardId)).DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = etag }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Deletes every blob of the board but its metadata: log segments, snapshots, background and people.</summary>
    /// <returns>How many blobs it deleted.</returns>
    public async Task<int> DeleteContentAsync(string boardId, CancellationToken cancellationToken)
    {
        var metadata = Metadata(boardId);
        var names = new List<string>();
        try
        {
            await foreach (var item in Blobs.GetBlobsAsync(new GetBlobsOptions { Prefix = $"{BoardsPrefix}{boardId}/" }, cancellationToken))
            {
                if (item.Name != metadata)
                {
                    names.Add(item.Name);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }

        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = ListWriters, CancellationToken = cancellationToken },
            async (name, token) => await Blobs.DeleteBlobIfExistsAsync(name, cancellationToken: token));
        return names.Count;
    }

    private Task SetListEntriesAsync(IEnumerable<string> users, string boardId, Func<string, UserBoard?> entryOf, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            users,
            new ParallelOptions { MaxDegreeOfParallelism = ListWriters, CancellationToken = cancellationToken },
            async (user, token) => await SetListEntryAsync(user, boardId, entryOf(user), token));

    private async Task SetListEntryAsync(string userId, string boardId, UserBoard? entry, CancellationToken cancellationToken)
    {
        var name = UserBoards(userId);
        for (var attempt = 0; attempt < MaxListAttempts; attempt++)
        {
            var stored = await ReadJsonAsync<List<UserBoard>>(name, cancellationToken);
            var current = stored?.Value ?? [];
            var next = current.Where(b => b.BoardId != boardId)
                .Concat(entry is null ? [] : [entry])
                .OrderByDescending(b => b.Role == BoardRoles.Owner)
                .ThenByDescending(b => b.CreatedOn)
                .Take(MaxListedBoards)
                .OrderByDescending(b => b.CreatedOn)
                .ThenBy(b => b.BoardId, StringComparer.Ordinal)
                .ToList();
            if (next.SequenceEqual(current) || await TryWriteJsonAsync(name, next, stored?.ETag, cancellationToken))
            {
                return;
            }

            // Lost a race for this list: back off a little, by a random amount so that the racers spread out.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * (attempt + 1)), cancellationToken);
        }

        throw new RequestFailedException(503, "A user's board list kept changing.");
    }

    private async Task<ETag?> MetadataETagAsync(string boardId, CancellationToken cancellationToken)
    {
        try
        {
            return (await Blobs.GetBlobClient(Metadata(boardId)).GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
