using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Tokens;

/// <summary>
/// <c>GET /api/fluid/token</c>: the Fluid client's token-provider contract, answering the raw JWT as text/plain
/// (shared/protocols/fluid-relay.md §6).
/// </summary>
public sealed class FluidTokenFunction(SignedInEndpoint endpoint, FluidTokenIssuer issuer)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("FluidToken")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fluid/token")] HttpRequest request) =>
        endpoint.RunAsync(request, "fluid-token", user => Task.FromResult<IActionResult>(new ContentResult
        {
            Content = issuer.Issue(user, FluidTokenRequest.FromQuery(request.Query)),
            ContentType = "text/plain; charset=utf-8",
            StatusCode = StatusCodes.Status200OK,
        }));
}
