using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary><c>GET /api/boards/{boardId}[?atSeq=N]</c>: metadata and the state now, or as it was right after operation N.</summary>
public sealed class GetBoardFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("GetBoard")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(
            request,
            "get-board",
            async user => new OkObjectResult(await boards.GetAsync(user, boardId, QueryNumber.Read(request.Query, "atSeq"), cancellationToken)),
            rateLimited: false);
}
