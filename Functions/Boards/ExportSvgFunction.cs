using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary><c>GET /api/boards/{boardId}/export.svg[?atSeq=N]</c>: the board as SVG.</summary>
public sealed class ExportSvgFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("ExportSvg")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/export.svg")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(
            request,
            "export-svg",
            async user => new ContentResult
            {
                Content = await boards.ExportSvgAsync(user, boardId, QueryNumber.Read(request.Query, "atSeq"), cancellationToken),
                ContentType = "image/svg+xml; charset=utf-8",
                StatusCode = StatusCodes.Status200OK,
            },
            rateLimited: false);
}
