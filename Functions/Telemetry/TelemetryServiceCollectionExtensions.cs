using Azure.Monitor.OpenTelemetry.Exporter;
using Collab.Boards.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Collab.Functions.Telemetry;

/// <summary>
/// Exports the worker's telemetry with OpenTelemetry: the incoming HTTP request (the server span the host's proxied
/// request opens in the worker, under the host's <c>traceparent</c>), Collab's <see cref="CollabTelemetry"/> spans
/// under it (<see cref="RequestActivityMiddleware"/>) and its metrics, and outgoing HTTP calls (which carry the W3C
/// <c>traceparent</c> on to Web PubSub, ACS and storage). It goes to Application Insights when
/// <see cref="AzureMonitorSetting"/> is set, to an OTLP endpoint when <see cref="OtlpEndpointSetting"/> is set (its
/// other <c>OTEL_*</c> settings apply too), to both when both are; with neither, nothing is registered and nothing is
/// collected. <c>host.json</c> sets <c>telemetryMode</c> to <c>OpenTelemetry</c> so the host's own telemetry matches.
/// </summary>
/// <remarks>
/// The host forwards every request with its trace context, sampled or not (a host that exports nothing, such as the
/// local one, sends an unsampled one); the worker records its spans under either, so they keep the host's trace id,
/// rather than dropping them with the default parent-based sampler. Azure Monitor's exporter samples on top.
/// </remarks>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The Application Insights connection string App Service sets from the deployment.</summary>
    public const string AzureMonitorSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The OTLP endpoint (gRPC by default; <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> chooses http/protobuf).</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Registers the exporters the configuration asks for; see the type's remarks.</summary>
    /// <returns>Whether telemetry is exported.</returns>
    public static bool AddCollabTelemetryExport(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var azureMonitor = configuration[AzureMonitorSetting];
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]);
        if (string.IsNullOrWhiteSpace(azureMonitor) && !otlp)
        {
            return false;
        }

        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new AlwaysOnSampler(), remoteParentNotSampled: new AlwaysOnSampler()))
                .AddSource(CollabTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = request => !IsHostChannel(request)))
            .WithMetrics(metrics => metrics.AddMeter(CollabTelemetry.Name));
        if (!string.IsNullOrWhiteSpace(azureMonitor))
        {
            telemetry.UseAzureMonitorExporter(options => options.ConnectionString = azureMonitor);
        }

        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddOtlpExporter()).WithMetrics(metrics => metrics.AddOtlpExporter());
        }

        return true;
    }

    // The worker's one long-lived gRPC stream to the Functions host is plumbing, not a dependency call.
    private static bool IsHostChannel(HttpRequestMessage request) =>
        request.RequestUri?.AbsolutePath.StartsWith("/AzureFunctionsRpcMessages.", StringComparison.Ordinal) == true;
}
