using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary><c>PUT /api/boards/{boardId}/background</c>: a PNG, JPEG or GIF of at most 5 MB, announced to the board.</summary>
public sealed class PutBackgroundFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("PutBackground")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "boards/{boardId}/background")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(request, "put-background", async user =>
        {
            var image = await RequestBody.ReadAsync(request, BackgroundImage.MaxBytes, cancellationToken);
            var committed = await boards.PutBackgroundAsync(user, boardId, image, cancellationToken);
            return new OkObjectResult(new { committed.Seq });
        });
}
