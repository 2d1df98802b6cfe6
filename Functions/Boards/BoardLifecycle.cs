using Azure;
using Collab.Boards.Errors;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Communication;
using Collab.Functions.Hub;
using Collab.Functions.Identity;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Boards;

/// <summary>A user's boards, and deleting a board: its connections, its blobs and its place in every board list.</summary>
public sealed class BoardLifecycle(
    BoardStore store,
    LiveBoards live,
    BoardMetadataCache metadataCache,
    WebPubSubRestClient webPubSub,
    CommunicationSync communication,
    TimeProvider time,
    ILogger<BoardLifecycle> logger)
{
    /// <summary>What every client of a deleted board is told when its connection is closed.</summary>
    public const string DeletedReason = "The board was deleted.";

    // A delete starts again when the owner updates the board meanwhile (its members may have changed).
    private const int MaxAttempts = 5;

    // A connect handler that read the metadata just before it went admits its client after the metadata is gone, and
    // the client joins the group only then: closing the group a few more times over a second reaches such a client.
    private const int SettlingCloses = 4;
    private static readonly TimeSpan SettlingInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The boards the caller owns or is an explicit member of, newest first.</summary>
    public Task<IReadOnlyList<UserBoard>> ListAsync(SignedInUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return store.ListUserBoardsAsync(user.UserId, cancellationToken);
    }

    /// <summary>
    /// Deletes the caller's board: closes its connections (so no client keeps writing), forgets it in this instance,
    /// deletes its content, takes it off its owner's and members' lists, and deletes its metadata last, under the ETag
    /// it was read with, so that a failure anywhere leaves a board its owner can delete again. A board that does not
    /// exist is already deleted.
    /// </summary>
    /// <exception cref="ForbiddenException">The caller does not own the board.</exception>
    public async Task DeleteAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!BoardId.IsValid(boardId))
        {
            throw new InvalidRequestException(BoardId.Requirement);
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await store.GetMetadataVersionAsync(boardId, cancellationToken) is not { } stored)
            {
                return;
            }

            var (board, etag) = stored;
            if (board.OwnerId != user.UserId)
            {
                throw new ForbiddenException("Only the board's owner may delete it.");
            }

            // The thread and room go with the board: recorded now, while their ids are known, done once the metadata is gone.
            await communication.OnBoardDeletingAsync(board, cancellationToken);
            await webPubSub.CloseGroupConnectionsAsync(BoardChannels.ServerGroup(boardId), DeletedReason, cancellationToken);
            live.Forget(boardId);
            var deleted = await store.DeleteContentAsync(boardId, cancellationToken);
            await store.RemoveFromUserListsAsync(boardId, UserBoard.ListedUsersOf(board), cancellationToken);
            if (await store.TryDeleteMetadataAsync(boardId, etag, cancellationToken))
            {
                // This instance refuses operations for the board at once; others within the cache's freshness.
                metadataCache.Forget(boardId);
                deleted += 1 + await SweepAsync(boardId);
                await communication.OnBoardDeletedAsync(board, CancellationToken.None);
                logger.LogInformation("Board {BoardId} deleted by its owner {UserId}: {Blobs} blobs", boardId, user.UserId, deleted);
                return;
            }
        }

        throw new UnavailableException("The board kept changing while it was being deleted.", TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Undoes what happened while the board was being deleted: a client that reconnected before the metadata went was
    /// admitted (and wrote its name, maybe operations), a closed connection's last-leave snapshot was written. With the
    /// metadata gone no client is admitted again once the connect handlers under way have answered, so the group is
    /// closed until they have, and then the blobs are swept. Only an event already being handled can still write after
    /// this: the commit path does not read the metadata.
    /// </summary>
    private async Task<int> SweepAsync(string boardId)
    {
        try
        {
            // The board is deleted once its metadata is: a cancelled request must not leave the stragglers behind.
            await webPubSub.CloseGroupConnectionsAsync(BoardChannels.ServerGroup(boardId), DeletedReason, CancellationToken.None);
            for (var i = 0; i < SettlingCloses; i++)
            {
                await Task.Delay(SettlingInterval, time);
                await webPubSub.CloseGroupConnectionsAsync(BoardChannels.ServerGroup(boardId), DeletedReason, CancellationToken.None);
            }

            live.Forget(boardId);
            return await store.DeleteContentAsync(boardId, CancellationToken.None);
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex) || ex is RequestFailedException)
        {
            logger.LogWarning("Connections or blobs that came while board {BoardId} was deleted were not swept: {Error}", boardId, ex.Message);
            return 0;
        }
    }
}
