using System.Security.Cryptography;
using Collab.Boards.Errors;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Rendering;
using Collab.Boards.Storage;
using Collab.Functions.Communication;
using Collab.Functions.Hub;
using Collab.Functions.Identity;
using Collab.Functions.Pipeline;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Boards;

/// <summary>
/// The board HTTP API's work: create and read boards, catch-up, snapshots, history, background and export, each
/// behind the access rule <c>connect</c> applies (public: any signed-in user; private: owner and members).
/// </summary>
public sealed class BoardService(
    BoardStore store,
    LiveBoards live,
    BoardCommitter committer,
    BoardMetadataCache metadataCache,
    BoardConnections connections,
    TimeProvider time,
    UserRateLimiter limiter,
    CommunicationSync communication,
    ILogger<BoardService> logger)
{
    private const int MaxMembers = 100;

    // History reads from storage (?atSeq, export.svg?atSeq, ops?after beyond memory) share one per-user window.
    private const string HistoryReads = "BoardHistory";

    /// <summary>Creates the board with the caller as owner, or updates it when the caller owns it.</summary>
    /// <returns>The metadata and whether it was created.</returns>
    public async Task<(BoardMetadata Board, bool Created)> PutAsync(SignedInUser user, string boardId, BoardRequest? request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        RequireValidId(boardId);
        var title = request?.Title?.Trim() ?? "";
        var visibility = request?.Visibility ?? BoardVisibility.Public;
        var members = (request?.Members ?? []).DistinctBy(m => m.UserId, StringComparer.Ordinal).ToList();
        if (title.Length is 0 or > 200 || title.Any(char.IsControl))
        {
            throw Invalid("title must be 1-200 characters without control characters.");
        }

        if (visibility is not (BoardVisibility.Public or BoardVisibility.Private))
        {
            throw Invalid("visibility must be 'public' or 'private'.");
        }

        if (members.Count > MaxMembers || members.Any(m => m.UserId.Length is 0 or > 256 || m.UserId.Any(char.IsControl)))
        {
            throw Invalid($"members must be at most {MaxMembers} user ids of 1-256 characters.");
        }

        if (members.Any(m => m.Role is not (BoardRoles.Editor or BoardRoles.Viewer)))
        {
            throw Invalid("a member's role must be 'editor' or 'viewer'.");
        }

        var requested = new BoardMetadata(boardId, title, visibility, user.UserId, members, time.GetUtcNow());

        // Recorded before the write: whatever fails after it, the timer still brings the board's ACS thread and room
        // in line with who it admits.
        await communication.OnBoardChangingAsync(boardId, cancellationToken);
        var (board, previous) = await store.CreateOrUpdateAsync(requested, user.UserId, cancellationToken)
            ?? throw new ConflictException("The board exists and belongs to someone else.");
        metadataCache.Forget(boardId);
        await UpdateIndexesAsync(previous, board, cancellationToken);
        if (previous is not null)
        {
            await RevokeAsync(previous, board, cancellationToken);
        }

        // Whoever the board no longer admits leaves its ACS thread and room; for a new board this clears the marker.
        await communication.OnBoardChangedAsync(board, cancellationToken);

        return (board, previous is null);
    }

    /// <summary>
    /// Brings the board lists (<c>GET /api/boards</c>) of everyone <paramref name="before"/> or <paramref name="after"/>
    /// names in line with the board: listed for its owner and members with their roles, taken off the lists of members
    /// who were dropped. A failure (503) leaves the metadata written: a retry of the same <c>PUT</c> brings the lists of
    /// the owner and members in line, but a member the failed <c>PUT</c> dropped may still list the board (whether
    /// they may open it is decided, as always, by the metadata).
    /// </summary>
    public Task UpdateIndexesAsync(BoardMetadata? before, BoardMetadata after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        return store.UpdateUserListsAsync(after.BoardId, UserBoard.ListedUsersOf(before).Concat(UserBoard.ListedUsersOf(after)), cancellationToken);
    }

    /// <summary>Metadata and state, now or right after <paramref name="atSeq"/>.</summary>
    public async Task<BoardResponse> GetAsync(SignedInUser user, string boardId, long? atSeq, CancellationToken cancellationToken)
    {
        var board = await AdmitAsync(user, boardId, cancellationToken);
        return new BoardResponse(board, await StateAsync(user, boardId, atSeq, cancellationToken));
    }

    /// <summary>Operations after <paramref name="after"/>, for a client catching up.</summary>
    public async Task<OpsPage> GetOpsAsync(SignedInUser user, string boardId, long after, CancellationToken cancellationToken)
    {
        await AdmitAsync(user, boardId, cancellationToken);
        return after < 0
            ? throw Invalid("after must be 0 or more.")
            : await live.GetOpsAfterAsync(boardId, after, () => RequireHistoryPermit(user), cancellationToken);
    }

    /// <summary>The snapshot content at <paramref name="seq"/>, for the function's <c>[BlobOutput]</c> to write.</summary>
    public async Task<BoardSnapshot> SnapshotAtAsync(SignedInUser user, string boardId, long seq, CancellationToken cancellationToken)
    {
        await AdmitAsync(user, boardId, cancellationToken);
        if (seq < 1)
        {
            throw Invalid("seq must be 1 or more; a board without operations has nothing to snapshot.");
        }

        return await live.SnapshotAtAsync(boardId, seq, cancellationToken)
            ?? throw Invalid("seq is beyond the board's last operation.");
    }

    /// <summary>Records the board's Fluid container, created by an owner or editor; recording the same one again is harmless.</summary>
    public async Task<BoardMetadata> RecordFluidContainerAsync(SignedInUser user, string boardId, string? containerId, CancellationToken cancellationToken)
    {
        var board = await AdmitAsync(user, boardId, cancellationToken);
        if (!BoardRoles.CanEdit(board.RoleOf(user.UserId)))
        {
            throw new ForbiddenException("Only the board's owner and editors may create its Fluid container.");
        }

        if (containerId is null || containerId.Length is 0 or > 128 || !containerId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw Invalid("containerId must be 1-128 characters of A-Z, a-z, 0-9, '_' or '-'.");
        }

        return await store.RecordFluidContainerAsync(boardId, containerId, cancellationToken)
            ?? throw new NotFoundException("board-not-found", "The board does not exist.");
    }

    /// <summary>The board's snapshot history.</summary>
    public async Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        await AdmitAsync(user, boardId, cancellationToken);
        return await store.ListSnapshotsAsync(boardId, cancellationToken);
    }

    /// <summary>Stores a background image and announces it to the board as a committed <c>setBackground</c>.</summary>
    public async Task<CommitResult> PutBackgroundAsync(SignedInUser user, string boardId, byte[] image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        await AdmitAsync(user, boardId, cancellationToken);
        var mediaType = BackgroundImage.MediaTypeOf(image)
            ?? throw InvalidRequestException.UnsupportedMediaType("The background must be a PNG, JPEG or GIF image.");
        var version = Convert.ToHexStringLower(SHA256.HashData(image))[..16];
        await store.PutBackgroundAsync(boardId, image, mediaType, version, cancellationToken);

        // The op id is the image's hash, so uploading the same image again (or retrying) commits nothing new.
        var operation = new IncomingOperation("background-" + version, new SetBackground(Color: null, Image: version));
        return await committer.CommitAsync(boardId, user.UserId, operation, cancellationToken);
    }

    /// <summary>The background image, its media type and version.</summary>
    /// <exception cref="NotFoundException">The board has no background image.</exception>
    public async Task<(BinaryData Content, string MediaType, string Version)> GetBackgroundAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        await AdmitAsync(user, boardId, cancellationToken);
        return await store.GetBackgroundAsync(boardId, cancellationToken)
            ?? throw new NotFoundException("background-not-found", "The board has no background image.");
    }

    /// <summary>The board (now or at <paramref name="atSeq"/>) as SVG.</summary>
    public async Task<string> ExportSvgAsync(SignedInUser user, string boardId, long? atSeq, CancellationToken cancellationToken)
    {
        await AdmitAsync(user, boardId, cancellationToken);
        return BoardSvgRenderer.Render(await StateAsync(user, boardId, atSeq, cancellationToken), $"/api/boards/{boardId}/background");
    }

    // The change is stored; live connections that lost access are cut off now. If Web PubSub cannot be reached, the
    // event handler's own check refuses their operations meanwhile, so the change still answers 200.
    private async Task RevokeAsync(BoardMetadata previous, BoardMetadata board, CancellationToken cancellationToken)
    {
        try
        {
            await connections.RevokeAsync(previous, board, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning("Could not revoke live connections of board {BoardId}: {Error}", board.BoardId, ex.Message);
        }
    }

    private async Task<BoardStateDocument> StateAsync(SignedInUser user, string boardId, long? atSeq, CancellationToken cancellationToken)
    {
        if (atSeq is null)
        {
            return await live.GetCurrentAsync(boardId, cancellationToken);
        }

        if (atSeq < 0)
        {
            throw Invalid("atSeq must be 0 or more.");
        }

        if (atSeq == 0)
        {
            return new BoardState().ToDocument();
        }

        RequireHistoryPermit(user);
        return (await live.SnapshotAtAsync(boardId, atSeq.Value, cancellationToken))?.State
            ?? throw Invalid("atSeq is beyond the board's last operation.");
    }

    private void RequireHistoryPermit(SignedInUser user)
    {
        if (limiter.TryAcquire(HistoryReads, user.UserId) is { } retryAfter)
        {
            throw new RateLimitedException("The per-user rate limit of board history reads is exhausted; retry later.", retryAfter);
        }
    }

    /// <summary>The board, when it exists (else 404) and admits <paramref name="user"/> (else 403); a malformed id is 400.</summary>
    public async Task<BoardMetadata> AdmitAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        RequireValidId(boardId);
        var board = await store.GetMetadataAsync(boardId, cancellationToken)
            ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        return board.Admits(user.UserId)
            ? board
            : throw new ForbiddenException("This private board admits only its owner and members.");
    }

    private static void RequireValidId(string boardId)
    {
        if (!BoardId.IsValid(boardId))
        {
            throw new InvalidRequestException(BoardId.Requirement);
        }
    }

    private static InvalidRequestException Invalid(string detail) => new(detail);
}
