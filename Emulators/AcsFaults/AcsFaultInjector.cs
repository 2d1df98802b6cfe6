using Collab.Emulators.AcsIdentity;

namespace Collab.Emulators.AcsFaults;

/// <summary>
/// Makes the ACS emulator fail on purpose: the next requests matching a method and path prefix get an error status
/// instead of an answer, so callers' retries and compensation can be tested against the real wire.
/// </summary>
public sealed class AcsFaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<Fault> _faults = [];

    /// <summary>Makes the next <paramref name="times"/> requests whose method is <paramref name="method"/> and whose path starts with <paramref name="pathPrefix"/> fail with <paramref name="status"/>.</summary>
    public void FailNext(string method, string pathPrefix, int times, int status = 503)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            _faults.Add(new Fault(method, pathPrefix, status) { Remaining = times });
        }
    }

    /// <summary>Forgets every fault not yet used.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>How many requests were failed on purpose so far.</summary>
    public int Injected { get; private set; }

    /// <summary>Answers the request with its fault and returns true when one matches.</summary>
    internal async Task<bool> TryFailAsync(HttpContext context)
    {
        int status;
        lock (_gate)
        {
            var path = context.Request.Path.Value ?? "";
            var fault = _faults.FirstOrDefault(f =>
                string.Equals(f.Method, context.Request.Method, StringComparison.OrdinalIgnoreCase) && path.StartsWith(f.PathPrefix, StringComparison.Ordinal));
            if (fault is null)
            {
                return false;
            }

            if (--fault.Remaining == 0)
            {
                _faults.Remove(fault);
            }

            Injected++;
            status = fault.Status;
        }

        await AcsResponses.ErrorAsync(context, status, status == 429 ? "TooManyRequests" : "ServiceUnavailable", "Failed on purpose by the emulator's fault injector.");
        return true;
    }

    private sealed record Fault(string Method, string PathPrefix, int Status)
    {
        public int Remaining { get; set; }
    }
}
