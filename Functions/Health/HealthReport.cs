namespace Collab.Functions.Health;

/// <summary>The body of <c>GET /api/health</c>.</summary>
/// <param name="Status"><c>Healthy</c> when every dependency answered, else <c>Unhealthy</c>.</param>
/// <param name="Version">The app's version, without build metadata (such as the commit).</param>
/// <param name="Dependencies">Each probe's outcome by dependency name.</param>
public sealed record HealthReport(string Status, string Version, IReadOnlyDictionary<string, DependencyHealth> Dependencies)
{
    /// <summary>True when every dependency answered.</summary>
    public bool IsHealthy => Dependencies.Values.All(d => d.Healthy);
}
