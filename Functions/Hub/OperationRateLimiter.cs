using Microsoft.Extensions.Options;

namespace Collab.Functions.Hub;

/// <summary>
/// A token bucket per Web PubSub connection for the operations it sends: <see cref="EventHandlerOptions.OperationBurst"/>
/// at once, refilled at <see cref="EventHandlerOptions.OperationsPerSecond"/>. Per instance, in memory.
/// </summary>
/// <remarks>
/// Budget: at most <see cref="EventHandlerOptions.TrackedConnections"/> buckets (a few dozen bytes each). A bucket is
/// forgotten when its connection's <c>disconnected</c> event arrives; and when the budget is reached, buckets idle long
/// enough to be full again are dropped first (forgetting them changes nothing: a new bucket starts full), then the
/// least recently used ones down to nine tenths of the budget (those connections get a fresh burst).
/// </remarks>
public sealed class OperationRateLimiter(IOptions<EventHandlerOptions> options, TimeProvider time)
{
    private readonly double _rate = options.Value.OperationsPerSecond;
    private readonly double _burst = options.Value.OperationBurst;
    private readonly int _budget = options.Value.TrackedConnections;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>The sustained rate, per second.</summary>
    public int OperationsPerSecond => (int)_rate;

    /// <summary>The most operations taken at once.</summary>
    public int Burst => (int)_burst;

    /// <summary>How many connections have a bucket now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>Takes one operation from <paramref name="connectionId"/>'s bucket.</summary>
    /// <returns>Null when the operation may go ahead; otherwise how long until the next one may.</returns>
    public TimeSpan? TryTake(string connectionId) => TryTake(connectionId, 1);

    /// <summary>
    /// Takes <paramref name="count"/> operations at once from the bucket of <paramref name="connectionId"/> (any
    /// sender's key, such as an agent's), all or none: a batch larger than <see cref="EventHandlerOptions.OperationBurst"/>
    /// never passes.
    /// </summary>
    /// <returns>Null when the operations may go ahead; otherwise how long until they may.</returns>
    public TimeSpan? TryTake(string connectionId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(connectionId, out var bucket))
            {
                if (_buckets.Count >= _budget)
                {
                    Trim(now);
                }

                _buckets[connectionId] = bucket = new Bucket { Tokens = _burst, Stamp = now };
            }

            bucket.Tokens = Math.Min(_burst, bucket.Tokens + (Seconds(bucket.Stamp, now) * _rate));
            bucket.Stamp = now;
            if (bucket.Tokens >= count)
            {
                bucket.Tokens -= count;
                return null;
            }

            return TimeSpan.FromSeconds((Math.Min(count, _burst) - bucket.Tokens) / _rate);
        }
    }

    /// <summary>Forgets a connection that ended.</summary>
    public void Forget(string connectionId)
    {
        lock (_gate)
        {
            _buckets.Remove(connectionId);
        }
    }

    private double Seconds(long from, long to) => (double)(to - from) / time.TimestampFrequency;

    private void Trim(long now)
    {
        var refill = _burst / _rate;
        foreach (var idle in _buckets.Where(b => Seconds(b.Value.Stamp, now) >= refill).Select(b => b.Key).ToList())
        {
            _buckets.Remove(idle);
        }

        var excess = _buckets.Count - (_budget * 9 / 10);
        if (excess > 0)
        {
            foreach (var oldest in _buckets.OrderBy(b => b.Value.Stamp).Take(excess).Select(b => b.Key).ToList())
            {
                _buckets.Remove(oldest);
            }
        }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        public long Stamp { get; set; }
    }
}
