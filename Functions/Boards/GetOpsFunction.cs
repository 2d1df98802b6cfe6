using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary><c>GET /api/boards/{boardId}/ops?after=N</c>: the operations after N, for a client that reconnects.</summary>
public sealed class GetOpsFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("GetOps")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/ops")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(
            request,
            "get-ops",
            async user => new OkObjectResult(await boards.GetOpsAsync(user, boardId, QueryNumber.Read(request.Query, "after") ?? 0, cancellationToken)),
            rateLimited: false);
}
