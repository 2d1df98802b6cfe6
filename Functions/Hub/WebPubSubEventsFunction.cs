using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Hub;

/// <summary>
/// <c>OPTIONS|POST /api/eventhandler</c>: the Web PubSub hub's event handler (URL template
/// <c>https://{app}/api/eventhandler</c>). Anonymous, and outside App Service Authentication: Web PubSub proves
/// itself with <c>ce-signature</c>, which every event must carry.
/// </summary>
public sealed class WebPubSubEventsFunction(WebPubSubProtocol protocol)
{
    /// <summary>Handles the abuse-protection handshake and every upstream event; a 503 asks the service to retry after a second, because a user waits on each event.</summary>
    [Function("WebPubSubEvents")]
    [RetryAfter(1)]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", "post", Route = "eventhandler")] HttpRequest request,
        CancellationToken cancellationToken) =>
        protocol.HandleAsync(request, cancellationToken);
}
