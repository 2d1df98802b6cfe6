using System.ComponentModel.DataAnnotations;

namespace Collab.Functions.Pipeline;

/// <summary>Per-user request limits on the token endpoints, section <c>RateLimit</c>.</summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "RateLimit";

    /// <summary>Requests one user may make to one endpoint in a minute, per instance.</summary>
    [Range(1, 100_000, ErrorMessage = "RateLimit:PermitsPerMinute must be 1 to 100000.")]
    public int PermitsPerMinute { get; set; } = 30;
}
