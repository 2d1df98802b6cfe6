using Collab.Boards.Live;

namespace Collab.Functions.Health;

/// <summary>The body of <c>GET /api/health</c>.</summary>
/// <param name="Status">
/// <c>Healthy</c> when every dependency answered and the live budget has room; <c>Degraded</c> when every dependency
/// answered but the live boards are under budget pressure (served, with <see cref="Reason"/>); else <c>Unhealthy</c>.
/// </param>
/// <param name="Version">The app's version, without build metadata (such as the commit).</param>
/// <param name="Dependencies">Each probe's outcome by dependency name.</param>
/// <param name="LiveBoards">The boards this instance holds in memory against their budgets.</param>
/// <param name="Reason">Why the status is <c>Degraded</c>; null otherwise.</param>
public sealed record HealthReport(string Status, string Version, IReadOnlyDictionary<string, DependencyHealth> Dependencies, LiveBoardsUsage LiveBoards, string? Reason = null)
{
    /// <summary>True when every dependency answered (the report is <c>Healthy</c> or <c>Degraded</c>).</summary>
    public bool IsHealthy => Dependencies.Values.All(d => d.Healthy);
}
