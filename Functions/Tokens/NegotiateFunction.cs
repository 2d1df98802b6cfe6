using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Tokens;

/// <summary><c>POST /api/boards/{boardId}/negotiate</c>: a Web PubSub client URL that admits the caller to one board.</summary>
public sealed class NegotiateFunction(SignedInEndpoint endpoint, WebPubSubTokenIssuer issuer)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("Negotiate")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "boards/{boardId}/negotiate")] HttpRequest request,
        string boardId) =>
        endpoint.RunAsync(request, "negotiate", user => Task.FromResult<IActionResult>(new OkObjectResult(issuer.Negotiate(user, boardId))));
}
