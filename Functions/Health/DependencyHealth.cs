namespace Collab.Functions.Health;

/// <summary>The outcome of one probe.</summary>
/// <param name="Healthy">Whether the dependency answered.</param>
/// <param name="DurationMs">How long the probe took.</param>
/// <param name="Error">Why it did not answer: the exception type and a short reason, never a connection string.</param>
public sealed record DependencyHealth(bool Healthy, long DurationMs, string? Error);
