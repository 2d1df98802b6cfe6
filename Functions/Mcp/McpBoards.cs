using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Boards.Errors;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Boards;
using Collab.Functions.Hub;
using Collab.Functions.Identity;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Mcp;

/// <summary>
/// What the MCP tools do, as the signed-in user an agent acts for: the same access rule as every board endpoint
/// (through <see cref="BoardService"/> for reads), and for writes the rule the event handler applies to a user's
/// operation (<see cref="BoardHub.OnOperationAsync"/>): the per-sender operation rate (<see cref="OperationRateLimiter"/>,
/// keyed by user and agent), the board as it is now (owners and editors only), each operation validated by
/// <see cref="BoardOperationReader"/>, committed by <see cref="BoardCommitter"/> (size cap, deduplication, broadcast).
/// </summary>
/// <remarks>
/// A stranger to a private board gets exactly the answer a board that does not exist gets (<see cref="NotFoundCode"/>),
/// so the tools reveal nothing about boards the caller may not open.
/// </remarks>
public sealed class McpBoards(
    BoardService boards,
    BoardStore store,
    BoardMetadataCache metadata,
    LiveBoards live,
    BoardCommitter committer,
    OperationRateLimiter operations,
    PresenceService presence,
    ILogger<McpBoards> logger)
{
    /// <summary>The error code of a board that does not exist or does not admit the caller.</summary>
    public const string NotFoundCode = "board-not-found";

    /// <summary>The most operations <c>get_ops_since</c> returns at once.</summary>
    public const int MaxOpsPage = 500;

    /// <summary>The most shapes one write tool call carries: each is an operation against the sender's rate (<see cref="EventHandlerOptions.OperationBurst"/>, 40 by default).</summary>
    public const int MaxBatch = 40;

    /// <summary>The caller's boards, newest first.</summary>
    public Task<IReadOnlyList<UserBoard>> ListAsync(SignedInUser user, CancellationToken cancellationToken) =>
        store.ListUserBoardsAsync(user.UserId, cancellationToken);

    /// <summary>A compact view of the board: each shape's id, kind, bounds and text, the people present, the seq.</summary>
    public async Task<JsonObject> GetAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        var response = await ReadAsync(boardId, () => boards.GetAsync(user, boardId, null, cancellationToken));
        var board = response.Board;
        var shapes = new JsonArray();
        foreach (var shape in response.State.Shapes)
        {
            var (left, top, right, bottom) = shape.Bounds();
            var entry = new JsonObject
            {
                ["id"] = shape.Id,
                ["kind"] = KindOf(shape),
                ["bounds"] = new JsonObject { ["x"] = Round(left), ["y"] = Round(top), ["w"] = Round(right - left), ["h"] = Round(bottom - top) },
                ["color"] = shape.Color,
            };
            if (shape is TextShape text)
            {
                entry["text"] = text.Text;
            }

            shapes.Add(entry);
        }

        return new JsonObject
        {
            ["boardId"] = board.BoardId,
            ["title"] = board.Title,
            ["visibility"] = board.Visibility,
            ["role"] = board.RoleOf(user.UserId),
            ["seq"] = response.State.Seq,
            ["shapeCount"] = shapes.Count,
            ["shapes"] = shapes,
            ["background"] = JsonSerializer.SerializeToNode(response.State.Background, BoardJson.Options),
            ["people"] = await PeopleAsync(boardId, cancellationToken),
        };
    }

    /// <summary>The board as SVG.</summary>
    public Task<string> ExportSvgAsync(SignedInUser user, string boardId, CancellationToken cancellationToken) =>
        ReadAsync(boardId, () => boards.ExportSvgAsync(user, boardId, null, cancellationToken));

    /// <summary>At most <paramref name="limit"/> operations after <paramref name="after"/>, and the board's last seq.</summary>
    public async Task<JsonObject> GetOpsSinceAsync(SignedInUser user, string boardId, long after, int limit, CancellationToken cancellationToken)
    {
        var page = await ReadAsync(boardId, () => boards.GetOpsAsync(user, boardId, after, cancellationToken));
        var ops = page.Ops.Take(limit).ToList();
        return new JsonObject
        {
            ["boardId"] = boardId,
            ["ops"] = JsonSerializer.SerializeToNode(ops, BoardJson.Options),
            ["lastSeq"] = page.LastSeq,
            ["more"] = (ops.Count > 0 ? ops[^1].Seq : after) < page.LastSeq,
        };
    }

    /// <summary>
    /// Commits <paramref name="requests"/> (each the JSON of a user's operation without its <c>opId</c>) in order as
    /// <paramref name="user"/>, sent by <paramref name="agent"/>: the operation ids derive from
    /// <paramref name="idempotencyKey"/>, so repeating the call commits nothing twice and answers with the same seqs.
    /// Every operation is validated before any is committed; one the size cap refuses is reported, the others commit.
    /// </summary>
    /// <exception cref="InvalidRequestException">An operation is malformed (named by its index); nothing was committed.</exception>
    /// <exception cref="NotFoundException">The board does not exist or does not admit the user.</exception>
    /// <exception cref="ForbiddenException">The user is a viewer.</exception>
    /// <exception cref="RateLimitedException">The sender is over its operation rate; nothing was committed.</exception>
    public async Task<JsonObject> CommitAsync(SignedInUser user, string agent, string boardId, string tool, string idempotencyKey, IReadOnlyList<(string Type, string ShapeId, JsonObject Body)> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(requests);
        if (operations.TryTake(RateKey(user, agent), requests.Count) is { } wait)
        {
            logger.LogWarning("Refused {Count} operations of user {UserId} through agent {Agent} on board {BoardId}: over the operation rate", requests.Count, user.UserId, agent, boardId);
            throw new RateLimitedException(
                $"Too many changes at once: at most {operations.OperationsPerSecond} operations per second (bursts of {operations.Burst}) from one agent. Nothing was saved; wait {Math.Ceiling(wait.TotalSeconds)} s and call again with the same idempotencyKey.",
                wait,
                "too-many-operations");
        }

        await RequireEditorAsync(user, boardId, cancellationToken);
        var prefix = OpIdPrefix(tool, idempotencyKey);
        var incoming = new List<IncomingOperation>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var (type, _, body) = requests[i];
            body["opId"] = $"{prefix}-{i}";
            try
            {
                incoming.Add(BoardOperationReader.Read(type, Encoding.UTF8.GetBytes(body.ToJsonString())));
            }
            catch (InvalidRequestException ex)
            {
                throw new InvalidRequestException($"item {i}: {ex.Message} Nothing was saved.");
            }
        }

        // Started in order, so they are queued in order (CommitAsync queues before it first yields): one group commit
        // per 32 operations, and the seqs follow the list.
        var commits = incoming.Select(op => committer.CommitAsync(boardId, user.UserId, agent, op, cancellationToken)).ToList();
        var committed = new JsonArray();
        var refused = new JsonArray();
        for (var i = 0; i < commits.Count; i++)
        {
            try
            {
                var result = await commits[i];
                committed.Add(new JsonObject { ["shapeId"] = requests[i].ShapeId, ["seq"] = result.Seq, ["duplicate"] = result.Duplicate });
            }
            catch (TooLargeException ex)
            {
                refused.Add(new JsonObject { ["shapeId"] = requests[i].ShapeId, ["reason"] = ex.Message });
            }
        }

        logger.LogInformation("Agent {Agent} of user {UserId} committed {Committed} operations ({Refused} refused) on board {BoardId} with {Tool}", agent, user.UserId, committed.Count, refused.Count, boardId, tool);
        return new JsonObject { ["boardId"] = boardId, ["committed"] = committed, ["refused"] = refused };
    }

    /// <summary>The board's current shapes by id, for a write that changes existing shapes, after the same checks as <see cref="CommitAsync"/>'s.</summary>
    public async Task<IReadOnlyDictionary<string, Shape>> CurrentShapesAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        await RequireEditorAsync(user, boardId, cancellationToken);
        var state = await live.GetCurrentAsync(boardId, cancellationToken);
        return state.Shapes.ToDictionary(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>The shape id an <c>add_shapes</c> item without one gets: stable for the key, so a retry adds the same shape.</summary>
    public static string DefaultShapeId(string idempotencyKey, int index) => $"{OpIdPrefix("shape", idempotencyKey)}-{index}";

    /// <summary>The <c>kind</c> a shape's JSON carries (<see cref="Shape"/>'s discriminators).</summary>
    public static string KindOf(Shape shape) => shape switch
    {
        PolylineShape => "polyline",
        LineShape => "line",
        RectShape => "rect",
        EllipseShape => "ellipse",
        CircleShape => "circle",
        TextShape => "text",
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape?.GetType().Name, "Not a shape kind."),
    };

    private static string RateKey(SignedInUser user, string agent) => $"mcp\n{user.UserId}\n{agent}";

    // 20 characters of the key's hash: operation ids stay within 64 characters of [A-Za-z0-9_-] whatever the key, and
    // the tool is part of it, so one key used for an add and a remove names different operations.
    private static string OpIdPrefix(string tool, string idempotencyKey) =>
        "mcp-" + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(tool + "\n" + idempotencyKey)))[..20];

    private static double Round(double value) => Math.Round(value, 2);

    private async Task RequireEditorAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        RequireValidId(boardId);
        var board = await metadata.GetAsync(boardId, cancellationToken);
        var role = board?.RoleOf(user.UserId);
        if (board is null || role is null)
        {
            throw NotFound(boardId);
        }

        if (!BoardRoles.CanEdit(role))
        {
            throw new ForbiddenException($"You are a viewer on board '{boardId}': viewers cannot change the board, so only the read tools (get_board, export_svg, get_ops_since) work for you here.");
        }
    }

    private static async Task<T> ReadAsync<T>(string boardId, Func<Task<T>> read)
    {
        RequireValidId(boardId);
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is ForbiddenException or NotFoundException { Code: NotFoundCode })
        {
            throw NotFound(boardId);
        }
    }

    private async Task<JsonNode?> PeopleAsync(string boardId, CancellationToken cancellationToken)
    {
        try
        {
            return JsonSerializer.SerializeToNode((await presence.ReadAsync(boardId, cancellationToken)).Users, BoardJson.Options);
        }
        catch (HttpRequestException ex)
        {
            // Presence is a view of Web PubSub; the board itself does not depend on it.
            logger.LogWarning("Presence of board {BoardId} is unavailable: {Error}", boardId, ex.Message);
            return null;
        }
    }

    private static void RequireValidId(string boardId)
    {
        if (!BoardId.IsValid(boardId))
        {
            throw new InvalidRequestException("boardId: " + BoardId.Requirement);
        }
    }

    private static NotFoundException NotFound(string boardId) =>
        new(NotFoundCode, $"There is no board '{boardId}' that you can open: it does not exist, or it is private and does not admit you. list_boards shows your boards.");
}
