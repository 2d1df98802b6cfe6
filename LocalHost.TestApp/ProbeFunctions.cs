using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Collab.LocalHost.TestApp;

/// <summary>Functions whose behaviour the local host's tests observe from outside.</summary>
public sealed class ProbeFunctions(ILogger<ProbeFunctions> logger)
{
    /// <summary>Always throws, so the host must answer 500.</summary>
    [Function("Throw")]
    public IActionResult Throw([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throw")] HttpRequest request) =>
        throw new InvalidOperationException("Thrown on purpose by the probe app.");

    /// <summary>Waits up to 30 s; when cancelled, leaves a file named <paramref name="marker"/> in the temp folder.</summary>
    [Function("Slow")]
    public async Task<IActionResult> Slow([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "slow/{marker}")] HttpRequest request, string marker, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            return new OkObjectResult("finished");
        }
        catch (OperationCanceledException)
        {
            await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), Path.GetFileName(marker)), "cancelled", CancellationToken.None);
            throw;
        }
    }

    /// <summary>Blocks its thread for 20 s, ignoring cancellation, so only the host's function timeout ends it.</summary>
    [Function("Hang")]
    public IActionResult Hang([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hang")] HttpRequest request)
    {
        Thread.Sleep(TimeSpan.FromSeconds(20));
        return new OkResult();
    }

    /// <summary>Echoes what the function was given: the route value, the query, the host the request names, the method.</summary>
    [Function("Echo")]
    public IActionResult Echo([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "echo/{id:int}")] HttpRequest request, int id) =>
        new OkObjectResult(new { id, method = request.Method, host = request.Host.Value, query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()) });

    /// <summary>Writes its body to <c>%ProbeContainer%/{name}-{suffix}.txt</c>: <c>name</c> from the route, <c>suffix</c> from the query.</summary>
    [Function("Write")]
    public async Task<WriteOutput> Write([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "write/{name}")] HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        return new WriteOutput { Result = new CreatedResult((string?)null, null), Content = await reader.ReadToEndAsync() };
    }

    /// <summary>Runs on <c>%TickSchedule%</c> and logs what the host told it.</summary>
    [Function("Tick")]
    public void Tick([TimerTrigger("%TickSchedule%")] TimerInfo timer) =>
        logger.LogInformation("Tick ran; past due: {IsPastDue}; next: {Next}", timer.IsPastDue, timer.ScheduleStatus?.Next);

    /// <summary>The outputs of <see cref="Write"/>.</summary>
    public sealed class WriteOutput
    {
        /// <summary>The HTTP response.</summary>
        [HttpResult]
        public required IActionResult Result { get; init; }

        /// <summary>The blob's content.</summary>
        [BlobOutput("%ProbeContainer%/{name}-{suffix}.txt")]
        public string? Content { get; init; }
    }
}
