using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Boards.Errors;
using Collab.Boards.Model;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace Collab.Functions.Mcp;

/// <summary><c>list_boards</c>: the caller's boards.</summary>
public sealed class ListBoardsTool(McpBoards boards, ILogger<ListBoardsTool> logger) : BoardTool(
    "list_boards",
    "List my boards",
    "Lists the boards you own or are a member of, newest first: boardId, title, your role (owner, editor or viewer: viewers may only read) and visibility. Public boards you merely opened are not listed; open them by id.",
    """{"type":"object","properties":{},"additionalProperties":false}""",
    new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
    logger)
{
    /// <inheritdoc />
    protected override async Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var list = await boards.ListAsync(call.User, cancellationToken);
        return Json(new JsonObject { ["boards"] = JsonSerializer.SerializeToNode(list, BoardJson.Options) });
    }
}

/// <summary><c>get_board</c>: a compact state of one board.</summary>
public sealed class GetBoardTool(McpBoards boards, ILogger<GetBoardTool> logger) : BoardTool(
    "get_board",
    "Read a board",
    "Reads a board compactly: title, your role, seq (the number of the last operation: pass it to get_ops_since to follow changes), each shape bottom to top with its id, kind, colour, bounds {x, y, w, h} (y grows downwards) and text, the background, and the people present now (null when presence cannot be read). Use export_svg for the full drawing.",
    $$$$"""{"type":"object","required":["boardId"],"additionalProperties":false,"properties":{"boardId":{{{{ToolSchemas.BoardId}}}}}}""",
    new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
    logger)
{
    /// <inheritdoc />
    protected override async Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Json(await boards.GetAsync(call.User, call.Arguments.String("boardId", 64), cancellationToken));
    }
}

/// <summary><c>export_svg</c>: the board as SVG.</summary>
public sealed class ExportSvgTool(McpBoards boards, ILogger<ExportSvgTool> logger) : BoardTool(
    "export_svg",
    "Export a board as SVG",
    "Renders the board as it is now as an SVG document (image/svg+xml), the same as the web app's export. Also readable as the resource collab://boards/{boardId}/board.svg.",
    $$$$"""{"type":"object","required":["boardId"],"additionalProperties":false,"properties":{"boardId":{{{{ToolSchemas.BoardId}}}}}}""",
    new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
    logger)
{
    /// <inheritdoc />
    protected override async Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var boardId = call.Arguments.String("boardId", 64);
        var svg = await boards.ExportSvgAsync(call.User, boardId, cancellationToken);
        return new CallToolResult
        {
            Content =
            [
                new TextContentBlock { Text = svg },
                new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = BoardResources.SvgUri(boardId), MimeType = BoardResources.SvgMimeType, Text = svg } },
            ],
        };
    }
}

/// <summary><c>get_ops_since</c>: the operations after a seq, one bounded page.</summary>
public sealed class GetOpsSinceTool(McpBoards boards, ILogger<GetOpsSinceTool> logger) : BoardTool(
    "get_ops_since",
    "Follow changes to a board",
    $"Lists the operations committed on a board after a seq, oldest first, at most limit of them (up to {McpBoards.MaxOpsPage}): each {{seq, opId, author, at, op, agent?}} where op is addShape, updateShape, removeShape, clear or setBackground and agent names the AI agent that sent it for author. lastSeq is the board's last seq; when more is true, call again with after = the last seq returned.",
    $$$$"""
    {"type":"object","required":["boardId"],"additionalProperties":false,"properties":{
     "boardId":{{{{ToolSchemas.BoardId}}}},
     "after":{"type":"integer","minimum":0,"default":0,"description":"Return operations with a seq greater than this (0 for the board's whole history; get_board's seq for what happens next)."},
     "limit":{"type":"integer","minimum":1,"maximum":{{{{McpBoards.MaxOpsPage}}}},"default":100,"description":"The most operations to return."}}}
    """,
    new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
    logger)
{
    /// <inheritdoc />
    protected override async Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var boardId = call.Arguments.String("boardId", 64);
        var after = call.Arguments.Integer("after", 0, long.MaxValue, 0);
        var limit = (int)call.Arguments.Integer("limit", 1, McpBoards.MaxOpsPage, 100);
        return Json(await boards.GetOpsSinceAsync(call.User, boardId, after, limit, cancellationToken));
    }
}

/// <summary><c>add_shapes</c>: a batch of shapes, committed in order as the user, with the agent's name.</summary>
public sealed class AddShapesTool(McpBoards boards, ILogger<AddShapesTool> logger) : BoardTool(
    "add_shapes",
    "Draw shapes on a board",
    "Adds shapes on top of a board (owners and editors only), in order, as one change under an idempotency key. Each shape is checked as a person's drawing is; if any is invalid nothing is saved and the error names its index. Everyone on the board sees the shapes at once, marked as drawn by your user's assistant. At most 40 shapes per call, and about 20 per second (larger drawings: several calls; a rate error says how long to wait). The result lists {shapeId, seq, duplicate} for each committed shape, and any shape refused because the board is full.",
    $$$$"""
    {"type":"object","required":["boardId","idempotencyKey","shapes"],"additionalProperties":false,"properties":{
     "boardId":{{{{ToolSchemas.BoardId}}}},
     "idempotencyKey":{{{{ToolSchemas.IdempotencyKey}}}},
     "shapes":{"type":"array","minItems":1,"maxItems":40,"items":{{{{ToolSchemas.NewShape}}}},"description":"The shapes, bottom to top."}}}
    """,
    new ToolAnnotations { ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = false },
    logger)
{
    /// <inheritdoc />
    protected override async Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var boardId = call.Arguments.String("boardId", 64);
        var key = call.Arguments.String("idempotencyKey", 128);
        var shapes = call.Arguments.Array("shapes", 1, McpBoards.MaxBatch);
        var requests = new List<(string, string, JsonObject)>(shapes.Count);
        for (var i = 0; i < shapes.Count; i++)
        {
            if (JsonNode.Parse(shapes[i].GetRawText()) is not JsonObject shape)
            {
                throw new InvalidRequestException($"item {i}: a shape must be an object. Nothing was saved.");
            }

            shape["id"] ??= McpBoards.DefaultShapeId(key, i);
            shape["width"] ??= 2;
            requests.Add((AddShape.Name, shape["id"]!.ToString(), new JsonObject { ["shape"] = shape }));
        }

        return Json(await boards.CommitAsync(call.User, call.Agent, boardId, "add_shapes", key, requests, cancellationToken));
    }
}

/// <summary><c>update_shapes</c>: changes fields of existing shapes.</summary>
public sealed class UpdateShapesTool(McpBoards boards, ILogger<UpdateShapesTool> logger) : BoardTool(
    "update_shapes",
    "Change shapes on a board",
    "Changes existing shapes (owners and editors only): for each, its id and only the fields to change (move: x, y or points; resize: w, h or r; restyle: color, width, fill; edit: text, fontSize); the rest, and the kind, stay. Each resulting shape is checked as a person's edit is; if any is invalid or its id is not on the board, nothing is saved. At most 40 per call. Everyone on the board sees the change at once.",
    $$$$"""
    {"type":"object","required":["boardId","idempotencyKey","changes"],"additionalProperties":false,"properties":{
     "boardId":{{{{ToolSchemas.BoardId}}}},
     "idempotencyKey":{{{{ToolSchemas.IdempotencyKey}}}},
     "changes":{"type":"array","minItems":1,"maxItems":40,"items":{{{{ToolSchemas.ShapeChange}}}},"description":"The changes, applied in order."}}}
    """,
    new ToolAnnotations { ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = true, OpenWorldHint = false },
    logger)
{
    /// <inheritdoc />
    protected override async Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var boardId = call.Arguments.String("boardId", 64);
        var key = call.Arguments.String("idempotencyKey", 128);
        var changes = call.Arguments.Array("changes", 1, McpBoards.MaxBatch);
        var current = await boards.CurrentShapesAsync(call.User, boardId, cancellationToken);
        var requests = new List<(string, string, JsonObject)>(changes.Count);
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].ValueKind != JsonValueKind.Object || !changes[i].TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
            {
                throw new InvalidRequestException($"item {i}: a change must be an object with the shape's id. Nothing was saved.");
            }

            if (!current.TryGetValue(id.GetString()!, out var shape))
            {
                throw new InvalidRequestException($"item {i}: there is no shape '{id.GetString()}' on the board (get_board lists the shapes). Nothing was saved.");
            }

            var merged = JsonSerializer.SerializeToNode(shape, BoardJson.Options)!.AsObject();
            foreach (var field in changes[i].EnumerateObject())
            {
                if (field.Name == "kind")
                {
                    throw new InvalidRequestException($"item {i}: a shape's kind cannot change; remove it and add a new one. Nothing was saved.");
                }

                merged[field.Name] = JsonNode.Parse(field.Value.GetRawText());
            }

            requests.Add((UpdateShape.Name, shape.Id, new JsonObject { ["shape"] = merged }));
        }

        return Json(await boards.CommitAsync(call.User, call.Agent, boardId, "update_shapes", key, requests, cancellationToken));
    }
}

/// <summary><c>remove_shapes</c>: removes shapes by id.</summary>
public sealed class RemoveShapesTool(McpBoards boards, ILogger<RemoveShapesTool> logger) : BoardTool(
    "remove_shapes",
    "Remove shapes from a board",
    "Removes shapes by id (owners and editors only). An id that is not on the board is committed as a no-op. At most 40 per call. Everyone on the board sees the removal at once; people can undo only their own changes, so remove only what you were asked to.",
    $$$$"""
    {"type":"object","required":["boardId","idempotencyKey","shapeIds"],"additionalProperties":false,"properties":{
     "boardId":{{{{ToolSchemas.BoardId}}}},
     "idempotencyKey":{{{{ToolSchemas.IdempotencyKey}}}},
     "shapeIds":{"type":"array","minItems":1,"maxItems":40,"items":{"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$"},"description":"The ids of the shapes to remove (get_board lists them)."}}}
    """,
    new ToolAnnotations { ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = true, OpenWorldHint = false },
    logger)
{
    /// <inheritdoc />
    protected override async Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var boardId = call.Arguments.String("boardId", 64);
        var key = call.Arguments.String("idempotencyKey", 128);
        var ids = call.Arguments.Array("shapeIds", 1, McpBoards.MaxBatch);
        var requests = ids.Select((id, i) => id.ValueKind == JsonValueKind.String
                ? (RemoveShape.Name, id.GetString()!, new JsonObject { ["shapeId"] = id.GetString() })
                : throw new InvalidRequestException($"item {i}: a shape id must be a string. Nothing was saved."))
            .ToList();
        return Json(await boards.CommitAsync(call.User, call.Agent, boardId, "remove_shapes", key, requests, cancellationToken));
    }
}
