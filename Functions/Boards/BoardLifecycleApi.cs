using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary>The caller's boards and deleting a board, in <see cref="BoardLifecycle"/>.</summary>
public sealed class BoardLifecycleApi(BoardLifecycle lifecycle)
{
    /// <summary><c>GET /api/boards</c>: <c>[{boardId, title, role, visibility, createdOn}]</c>, the boards the caller owns or is a member of, newest first.</summary>
    [Function("ListBoards")]
    [SignedIn]
    public async Task<IActionResult> ListBoards(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await lifecycle.ListAsync(context.GetSignedInUser(), cancellationToken));

    /// <summary><c>DELETE /api/boards/{boardId}</c>: the owner deletes the board (204, also when there is no such board); anyone else gets 403.</summary>
    [Function("DeleteBoard")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> DeleteBoard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "boards/{boardId}")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        await lifecycle.DeleteAsync(context.GetSignedInUser(), boardId, cancellationToken);
        return new NoContentResult();
    }
}
