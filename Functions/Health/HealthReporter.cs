using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Health;

/// <summary>Runs every <see cref="IDependencyProbe"/> in parallel, each bounded by a timeout.</summary>
public sealed class HealthReporter(IEnumerable<IDependencyProbe> probes, ILogger<HealthReporter> logger)
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
        return new HealthReport(healthy ? "Healthy" : "Unhealthy", _version, dependencies);
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
