using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Health;

/// <summary>
/// <c>GET /api/health</c>: the version, whether storage, Web PubSub and ACS answer (503 <c>Unhealthy</c> when any does
/// not) and the live budget (200 <c>Degraded</c>, with the reason, under budget pressure: the instance still serves).
/// </summary>
public sealed class HealthFunction(HealthReporter reporter)
{
    /// <summary>Reports health; anonymous because load balancers and the local stack poll it without credentials.</summary>
    [Function("Health")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await reporter.CheckAsync(cancellationToken);
        return new ObjectResult(report) { StatusCode = report.IsHealthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable };
    }
}
