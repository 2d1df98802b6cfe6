using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Events;

/// <summary>
/// <c>OPTIONS|POST /api/eventhandler</c>: the Web PubSub hub's event handler (URL template
/// <c>https://{app}/api/eventhandler</c>). Anonymous, and outside App Service Authentication: Web PubSub proves
/// itself with <c>ce-signature</c>, which every event must carry.
/// </summary>
public sealed class WebPubSubEventsFunction(WebPubSubEventHandler handler)
{
    /// <summary>Handles the abuse-protection handshake and every upstream event.</summary>
    [Function("WebPubSubEvents")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", "post", Route = "eventhandler")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(request, cancellationToken);
}
