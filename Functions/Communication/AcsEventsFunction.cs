using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Communication;

/// <summary>
/// <c>OPTIONS|POST /api/acs/events</c>: the webhook of the Event Grid subscription on the ACS resource's system topic.
/// Anonymous at the Functions level: Event Grid proves itself with the secret in the
/// <see cref="AcsEventsWebhook.SecretHeader"/> header, checked by <see cref="AcsEventsWebhook"/>.
/// </summary>
public sealed class AcsEventsFunction(AcsEventsWebhook webhook)
{
    /// <summary>Handshakes and deliveries; a 503 makes Event Grid retry after its own schedule.</summary>
    [Function("AcsEvents")]
    [Pipeline.RetryAfter(10)]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", "post", Route = "acs/events")] HttpRequest request,
        CancellationToken cancellationToken) =>
        webhook.HandleAsync(request, cancellationToken);
}
