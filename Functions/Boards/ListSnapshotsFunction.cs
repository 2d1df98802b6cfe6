using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary><c>GET /api/boards/{boardId}/snapshots</c>: the snapshot history, oldest first.</summary>
public sealed class ListSnapshotsFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("ListSnapshots")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/snapshots")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(
            request,
            "list-snapshots",
            async user => new OkObjectResult(await boards.ListSnapshotsAsync(user, boardId, cancellationToken)),
            rateLimited: false);
}
