using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Mcp;

/// <summary>
/// <c>/api/mcp</c>: the MCP server (Streamable HTTP, stateless) through which an AI agent works on boards with the
/// rights of the signed-in user who connected it. Signed in like every endpoint (the Easy Auth principal; 401 with a
/// <c>WWW-Authenticate</c> pointing at the protected-resource metadata otherwise), browser origins checked,
/// <c>no-store</c>.
/// </summary>
public sealed class McpFunction(McpEndpoint endpoint)
{
    /// <summary>Hands the request to the MCP SDK; the response is written by the SDK.</summary>
    [Function("Mcp")]
    [SignedIn]
    public async Task<IActionResult> Mcp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "delete", Route = "mcp")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await endpoint.HandleAsync(request.HttpContext, context.GetSignedInUser(), cancellationToken);
        return new EmptyResult();
    }
}
