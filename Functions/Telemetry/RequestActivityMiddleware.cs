using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Collab.Functions.Telemetry;

/// <summary>
/// Makes the incoming HTTP request's span the parent of everything an HTTP function does. With ASP.NET Core
/// integration the request arrives on the worker's own server (whose span continues the host's <c>traceparent</c>),
/// while the function runs on the invocation's flow, where no activity is current; without this, each function's
/// spans would start a trace of their own. A function that already runs under an activity keeps it.
/// </summary>
public sealed class RequestActivityMiddleware : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Activity.Current is null && context.GetHttpContext()?.Features.Get<IHttpActivityFeature>()?.Activity is { IsStopped: false } request)
        {
            // Set here, the current activity flows to the rest of the pipeline and the function, and ends with this call.
            Activity.Current = request;
        }

        return next(context);
    }
}
