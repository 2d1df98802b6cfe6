using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary><c>PUT /api/boards/{boardId}</c>: creates a board owned by the caller (201), or updates the caller's board (200).</summary>
public sealed class PutBoardFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("PutBoard")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "boards/{boardId}")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(request, "put-board", async user =>
        {
            var body = await JsonRequestBody.ReadAsync<BoardRequest>(request, 16 * 1024, cancellationToken);
            var (board, created) = await boards.PutAsync(user, boardId, body, cancellationToken);
            return created ? new CreatedResult($"/api/boards/{boardId}", board) : new OkObjectResult(board);
        });
}
