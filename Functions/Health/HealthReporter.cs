using System.Diagnostics;
using System.Reflection;
using Collab.Boards;
using Collab.Boards.Live;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Health;

/// <summary>
/// Runs every <see cref="IDependencyProbe"/> in parallel, each bounded by a timeout, and reads the live budget: with
/// every dependency up, the report is <c>Degraded</c> (with the reason) when the boards held in memory are at
/// <see cref="BoardsOptions.LiveDegradedAtPercent"/> of a budget or boards were evicted for a budget in the last minute,
/// so operators see memory pressure before it becomes an outage.
/// </summary>
public sealed class HealthReporter(IEnumerable<IDependencyProbe> probes, LiveBoards live, IOptions<BoardsOptions> boards, ILogger<HealthReporter> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    // The version without its build metadata (+<commit>): an anonymous caller learns which release runs, not which
    // source it was built from.
    private readonly string _version =
        typeof(HealthReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>Probes all dependencies and reports the result.</summary>
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(probes.Select(p => RunAsync(p, cancellationToken)));
        var dependencies = results.ToDictionary(r => r.Name, r => r.Health);
        var healthy = dependencies.Values.All(d => d.Healthy);
        var usage = live.Usage();
        var pressure = usage.PressureReason(boards.Value.LiveDegradedAtPercent);
        if (healthy && pressure is not null)
        {
            logger.LogWarning("Health is degraded: {Reason}", pressure);
        }

        return new HealthReport(!healthy ? "Unhealthy" : pressure is null ? "Healthy" : "Degraded", _version, dependencies, usage, healthy ? pressure : null);
    }

    private async Task<(string Name, DependencyHealth Health)> RunAsync(IDependencyProbe probe, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await probe.ProbeAsync(timeout.Token);
            return (probe.Name, new DependencyHealth(true, stopwatch.ElapsedMilliseconds, null));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {ProbeTimeout.TotalSeconds:0} s" : ex.GetType().Name;
            logger.LogWarning("Dependency {Dependency} did not answer: {Reason}", probe.Name, reason);
            return (probe.Name, new DependencyHealth(false, stopwatch.ElapsedMilliseconds, reason));
        }
    }
}
