using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Tokens;

/// <summary><c>DELETE /api/acs/identity</c>: forgets and deletes the signed-in user's ACS identity; 204, idempotent.</summary>
public sealed class AcsIdentityFunction(SignedInEndpoint endpoint, AcsTokenService tokens)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("DeleteAcsIdentity")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "acs/identity")] HttpRequest request,
        CancellationToken cancellationToken) =>
        endpoint.RunAsync(request, "acs-identity", async user =>
        {
            await tokens.DeleteIdentityAsync(user, cancellationToken);
            return new NoContentResult();
        });
}
