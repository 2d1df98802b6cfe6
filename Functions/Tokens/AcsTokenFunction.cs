using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Tokens;

/// <summary><c>POST /api/acs/token</c>: an ACS token for the signed-in user's own ACS identity.</summary>
public sealed class AcsTokenFunction(SignedInEndpoint endpoint, AcsTokenService tokens)
{
    private const int MaxBodyBytes = 4096;

    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller, and the endpoint refuses requests without its principal.</summary>
    [Function("AcsToken")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "acs/token")] HttpRequest request,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(request, "acs-token", async user =>
        {
            var body = await JsonRequestBody.ReadAsync<AcsTokenRequest>(request, MaxBodyBytes, cancellationToken);
            return new OkObjectResult(await tokens.IssueAsync(user, body?.Scopes, cancellationToken));
        });
}
