using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Collab.Emulators;

/// <summary>
/// The emulators' own spans (<see cref="SourceName"/>), so that a trace read in the dashboard shows the hops Azure
/// would make: a Web PubSub client event delivered upstream to the event handler (with <c>traceparent</c>, as the
/// service sends it), a REST send to a group, an ACS event delivered to a webhook. Attributes name hubs, groups,
/// events and status codes, never a connection string, key, token, user id or webhook query.
/// </summary>
public static class EmulatorTelemetry
{
    /// <summary>The name of the emulators' <see cref="ActivitySource"/>.</summary>
    public const string SourceName = "Collab.Emulators";

    /// <summary>The source every emulator span starts from; it costs nothing while no listener (exporter, test) is attached.</summary>
    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Exports the emulators' spans and their HTTP server and client spans over OTLP, when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads it and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>); else null.
    /// </summary>
    /// <param name="endpoint">The value of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</param>
    /// <param name="serviceName">The service name when <c>OTEL_SERVICE_NAME</c> is not set.</param>
    public static TracerProvider? StartExporting(string? endpoint, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        return Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } name ? name : serviceName))
            .AddSource(SourceName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddOtlpExporter()
            .Build();
    }

    /// <summary>
    /// Starts a span that begins its own trace, linked to the one around it: a client's event arrives on its
    /// long-lived WebSocket request, and each event (a stroke) is worth its own trace.
    /// </summary>
    internal static Activity? StartRoot(string name, ActivityKind kind)
    {
        var around = Activity.Current;
        Activity.Current = null;
        var links = around is null ? null : new[] { new ActivityLink(around.Context) };
        var activity = Source.StartActivity(kind, parentContext: default, links: links, name: name);
        if (activity is null)
        {
            Activity.Current = around;
        }

        return activity;
    }
}
