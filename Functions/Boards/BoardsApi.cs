using System.Globalization;
using System.Text;
using Collab.Boards.Errors;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Http;
using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;

namespace Collab.Functions.Boards;

/// <summary>
/// The board HTTP API. Every function is for a signed-in user (anonymous at the Functions level because App Service
/// Authentication admits the caller) and applies the access rule <c>connect</c> applies, in <see cref="BoardService"/>.
/// Writes count against the per-user rate limit; reads do not.
/// </summary>
public sealed class BoardsApi(BoardService boards)
{
    private const int MaxBoardBodyBytes = 16 * 1024;

    /// <summary><c>PUT /api/boards/{boardId}</c>: creates a board owned by the caller (201), or updates the caller's board (200).</summary>
    [Function("PutBoard")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> PutBoard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "boards/{boardId}")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadAsync<BoardRequest>(request, MaxBoardBodyBytes, cancellationToken);
        var (board, created) = await boards.PutAsync(context.GetSignedInUser(), boardId, body, cancellationToken);
        return created ? new CreatedResult($"/api/boards/{boardId}", board) : new OkObjectResult(board);
    }

    /// <summary><c>PUT /api/boards/{boardId}/fluid</c> <c>{"containerId"}</c>: records the board's Fluid container (owners and editors; another one recorded is 409).</summary>
    [Function("PutFluidContainer")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> PutFluidContainer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "boards/{boardId}/fluid")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadAsync<FluidContainerRequest>(request, MaxBoardBodyBytes, cancellationToken);
        return new OkObjectResult(await boards.RecordFluidContainerAsync(context.GetSignedInUser(), boardId, body?.ContainerId, cancellationToken));
    }

    /// <summary><c>GET /api/boards/{boardId}[?atSeq=N]</c>: metadata and the state now, or as it was right after operation N.</summary>
    [Function("GetBoard")]
    [SignedIn]
    public async Task<IActionResult> GetBoard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await boards.GetAsync(context.GetSignedInUser(), boardId, QueryNumber.Read(request.Query, "atSeq"), cancellationToken));

    /// <summary><c>GET /api/boards/{boardId}/ops?after=N</c>: the operations after N, for a client that reconnects.</summary>
    [Function("GetOps")]
    [SignedIn]
    public async Task<IActionResult> GetOps(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/ops")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await boards.GetOpsAsync(context.GetSignedInUser(), boardId, QueryNumber.Read(request.Query, "after") ?? 0, cancellationToken));

    /// <summary>
    /// <c>POST /api/boards/{boardId}/snapshots?seq=N</c>: snapshots the board at N (the last seq the client has seen is
    /// "now") through a <c>[BlobOutput]</c>. The blob is named by its seq, so the host needs <c>seq</c> in the query to
    /// bind the path; the content at a seq never changes, so writing it again is harmless.
    /// </summary>
    [Function("CreateSnapshot")]
    [SignedIn]
    [RateLimited]
    public async Task<SnapshotOutput> CreateSnapshot(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "boards/{boardId}/snapshots")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var seq = QueryNumber.Read(request.Query, "seq")
            ?? throw new InvalidRequestException("seq is required: the blob is named by it. Pass the board's last seq to snapshot it now.");
        var content = SnapshotFormat.WriteString(await boards.SnapshotAtAsync(context.GetSignedInUser(), boardId, seq, cancellationToken));
        var location = $"/api/boards/{boardId}/snapshots/{seq.ToString(CultureInfo.InvariantCulture)}";
        return new SnapshotOutput
        {
            Result = new CreatedResult(location, new { boardId, seq, bytes = Encoding.UTF8.GetByteCount(content) }),
            Snapshot = content,
        };
    }

    /// <summary><c>GET /api/boards/{boardId}/snapshots</c>: the snapshot history, oldest first.</summary>
    [Function("ListSnapshots")]
    [SignedIn]
    public async Task<IActionResult> ListSnapshots(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/snapshots")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await boards.ListSnapshotsAsync(context.GetSignedInUser(), boardId, cancellationToken));

    /// <summary><c>PUT /api/boards/{boardId}/background</c>: a PNG, JPEG or GIF of at most 5 MB, announced to the board.</summary>
    [Function("PutBackground")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> PutBackground(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "boards/{boardId}/background")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var image = await RequestBody.ReadAsync(request, BackgroundImage.MaxBytes, cancellationToken);
        var committed = await boards.PutBackgroundAsync(context.GetSignedInUser(), boardId, image, cancellationToken);
        return new OkObjectResult(new { committed.Seq });
    }

    /// <summary><c>GET /api/boards/{boardId}/background</c>: the background image, or 404.</summary>
    [Function("GetBackground")]
    [SignedIn]
    public async Task<IActionResult> GetBackground(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/background")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var (content, mediaType, version) = await boards.GetBackgroundAsync(context.GetSignedInUser(), boardId, cancellationToken);
        return new FileContentResult(content.ToArray(), mediaType) { EntityTag = new EntityTagHeaderValue($"\"{version}\"") };
    }

    /// <summary><c>GET /api/boards/{boardId}/export.svg[?atSeq=N]</c>: the board as SVG.</summary>
    [Function("ExportSvg")]
    [SignedIn]
    public async Task<IActionResult> ExportSvg(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/export.svg")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new ContentResult
        {
            Content = await boards.ExportSvgAsync(context.GetSignedInUser(), boardId, QueryNumber.Read(request.Query, "atSeq"), cancellationToken),
            ContentType = "image/svg+xml; charset=utf-8",
            StatusCode = StatusCodes.Status200OK,
        };
}
