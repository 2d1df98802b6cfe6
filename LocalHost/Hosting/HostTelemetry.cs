using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Collab.LocalHost.Hosting;

/// <summary>
/// The host's own spans (<see cref="SourceName"/>), as the Functions host records them: one per invocation, the
/// child of the incoming HTTP request's span (or the root of a timer run), whose W3C context the invocation's
/// <c>trace_context</c> carries to the worker (<c>../shared/protocols/functions-host-grpc.md</c> §2.5, §3), so the
/// worker's spans join the request's trace.
/// </summary>
public static class HostTelemetry
{
    /// <summary>The name of the host's <see cref="ActivitySource"/>.</summary>
    public const string SourceName = "Collab.LocalHost";

    /// <summary>The service name of the worker when the settings and environment name none.</summary>
    public const string DefaultWorkerServiceName = "collab-functions";

    /// <summary>The gRPC path prefix of the host protocol: one stream per worker, not worth a span.</summary>
    private const string RpcPathPrefix = "/AzureFunctionsRpcMessages.";

    /// <summary>The source every host span starts from; it costs nothing while no listener (exporter, test) is attached.</summary>
    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Exports the host's spans, its incoming HTTP requests and its outgoing calls (forwarding to the worker, blob
    /// outputs) over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads it); else null.
    /// </summary>
    /// <param name="endpoint">The value of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</param>
    /// <param name="serviceName">The host's service name. Not <c>OTEL_SERVICE_NAME</c>: the worker inherits the host's
    /// environment, and it is a service of its own (<see cref="DefaultWorkerServiceName"/>), as on Azure.</param>
    public static TracerProvider? StartExporting(string? endpoint, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        return Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .AddSource(SourceName)
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => context.Request.Path.Value?.StartsWith(RpcPathPrefix, StringComparison.Ordinal) != true)
            .AddHttpClientInstrumentation()
            .AddOtlpExporter()
            .Build();
    }

    /// <summary>Starts the span of one invocation of <paramref name="function"/>, current until disposed.</summary>
    /// <param name="function">The function's name.</param>
    /// <param name="trigger">The OpenTelemetry FaaS trigger: <c>http</c> or <c>timer</c>.</param>
    /// <param name="invocationId">The invocation id sent to the worker.</param>
    internal static Activity? StartInvocation(string function, string trigger, string invocationId)
    {
        var activity = Source.StartActivity($"Invoke {function}", ActivityKind.Internal);
        activity?.SetTag("faas.name", function);
        activity?.SetTag("faas.trigger", trigger);
        activity?.SetTag("faas.invocation_id", invocationId);
        return activity;
    }

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="reason"/>.</summary>
    internal static void Fail(Activity? activity, string reason) => activity?.SetStatus(ActivityStatusCode.Error, reason);
}
