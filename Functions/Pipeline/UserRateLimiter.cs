using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Pipeline;

/// <summary>
/// A fixed one-minute window per (endpoint, user), in memory. Each instance counts on its own, so a scaled-out app
/// allows up to the limit per instance; that bounds abuse without a shared store on every token request.
/// </summary>
public sealed class UserRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    /// <summary>Creates the limiter from <see cref="RateLimitOptions"/>.</summary>
    public UserRateLimiter(IOptions<RateLimitOptions> options)
    {
        var permits = options.Value.PermitsPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one permit for <paramref name="userId"/> on <paramref name="endpoint"/>.</summary>
    /// <returns>Null when allowed; otherwise how long to wait.</returns>
    public TimeSpan? TryAcquire(string endpoint, string userId)
    {
        using var lease = _limiter.AttemptAcquire(endpoint + "\n" + userId);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
    }

    /// <inheritdoc />
    public void Dispose() => _limiter.Dispose();
}
