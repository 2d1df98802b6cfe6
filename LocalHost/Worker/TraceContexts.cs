using System.Diagnostics;
using Collab.LocalHost.Rpc;

namespace Collab.LocalHost.Worker;

/// <summary>
/// The trace context an invocation carries, as the host always sends one (the worker requires it): the current
/// activity's W3C context when there is one, so the worker's spans join the incoming request's trace, else a new trace.
/// </summary>
public static class TraceContexts
{
    /// <summary>The context for an invocation starting now.</summary>
    public static RpcTraceContext Current() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity
        ? new RpcTraceContext { TraceParent = activity.Id!, TraceState = activity.TraceStateString ?? "" }
        : new RpcTraceContext { TraceParent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00" };
}
