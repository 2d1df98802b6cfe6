using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary><c>GET /api/boards/{boardId}/background</c>: the background image, or 404.</summary>
public sealed class GetBackgroundFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("GetBackground")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/background")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(
            request,
            "get-background",
            async user => await boards.GetBackgroundAsync(user, boardId, cancellationToken) is { } image
                ? new FileContentResult(image.Content.ToArray(), image.MediaType) { EntityTag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{image.Version}\"") }
                : ProblemResult.NotFound("background-not-found", "The board has no background image."),
            rateLimited: false);
}
