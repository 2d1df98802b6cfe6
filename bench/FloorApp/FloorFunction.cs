using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Bench.FloorApp;

/// <summary>The floor: the cheapest HTTP function there is, so what a request costs beyond it is the host's and the worker's.</summary>
public static class FloorFunction
{
    /// <summary>The constant answer, also what the bare Kestrel row of the comparison returns.</summary>
    public const string Answer = "ok";

    /// <summary><c>GET /api/floor</c>: 200 with <see cref="Answer"/>.</summary>
    [Function("Floor")]
    public static IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "floor")] HttpRequest req) => new OkObjectResult(Answer);
}
