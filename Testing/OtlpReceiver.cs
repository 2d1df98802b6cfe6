using Collab.Testing.Otlp;
using Google.Protobuf;
using ServerCallContext = Grpc.Core.ServerCallContext;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Collab.Testing;

/// <summary>One span as an OTLP exporter sent it; ids are lower-case hex, <see cref="ParentSpanId"/> null for a root.</summary>
public sealed record ReceivedSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Scope,
    SpanKind Kind,
    StatusCode Status,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyDictionary<string, object?> Resource);

/// <summary>
/// One metric data point as an OTLP exporter sent it: <see cref="Value"/> for a sum or gauge, <see cref="Count"/> and
/// <see cref="Sum"/> for a histogram. Exporters send cumulative points by default, so a later point of the same series
/// includes the earlier ones.
/// </summary>
public sealed record ReceivedMetricPoint(
    string Scope,
    string Name,
    string Unit,
    string Type,
    double? Value,
    ulong? Count,
    double? Sum,
    DateTimeOffset Time,
    IReadOnlyDictionary<string, object?> Attributes);

/// <summary>
/// An OTLP/gRPC receiver in the test process (plain HTTP/2 on a free loopback port), for a worker started with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> = <see cref="Endpoint"/>. It serves the trace and metrics <c>Export</c> services
/// (messages compiled from the subset in <c>Otlp/*.proto</c>, field numbers as opentelemetry-proto) and keeps the
/// newest <see cref="Capacity"/> spans, metric points and export requests; older ones are dropped first.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Bounded<ReceivedSpan> _spans;
    private readonly Bounded<ReceivedMetricPoint> _points;
    private readonly Bounded<string> _exports;

    private OtlpReceiver(WebApplication app, Bounded<ReceivedSpan> spans, Bounded<ReceivedMetricPoint> points, Bounded<string> exports, int capacity)
    {
        _app = app;
        _spans = spans;
        _points = points;
        _exports = exports;
        Capacity = capacity;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the gRPC protocol, OTLP's default).</summary>
    public Uri Endpoint { get; }

    /// <summary>How many spans, points and export requests each list keeps at most.</summary>
    public int Capacity { get; }

    /// <summary>The spans received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => _spans.Snapshot();

    /// <summary>The metric points received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMetricPoint> MetricPoints => _points.Snapshot();

    /// <summary>Every export request received so far, as OTLP JSON: every string that left the process, for privacy checks.</summary>
    public IReadOnlyList<string> Exports => _exports.Snapshot();

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static async Task<OtlpReceiver> StartAsync(int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var spans = new Bounded<ReceivedSpan>(capacity);
        var points = new Bounded<ReceivedMetricPoint>(capacity);
        var exports = new Bounded<string>(capacity);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // OTLP/gRPC over http:// is HTTP/2 with prior knowledge: the listener must not expect a TLS or HTTP/1.1 upgrade.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new TraceService(spans, exports));
        builder.Services.AddSingleton(new MetricsService(points, exports));
        var app = builder.Build();
        app.MapGrpcService<TraceService>();
        app.MapGrpcService<MetricsService>();
        await app.StartAsync();
        return new OtlpReceiver(app, spans, points, exports, capacity);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the spans received, or fails after <paramref name="timeout"/>.</summary>
    public Task<IReadOnlyList<ReceivedSpan>> WaitForSpansAsync(Func<IReadOnlyList<ReceivedSpan>, bool> condition, TimeSpan timeout) =>
        WaitAsync(() => Spans, condition, timeout, "spans");

    /// <summary>Waits until <paramref name="condition"/> holds for the metric points received, or fails after <paramref name="timeout"/>.</summary>
    public Task<IReadOnlyList<ReceivedMetricPoint>> WaitForMetricPointsAsync(Func<IReadOnlyList<ReceivedMetricPoint>, bool> condition, TimeSpan timeout) =>
        WaitAsync(() => MetricPoints, condition, timeout, "metric points");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<IReadOnlyList<T>> WaitAsync<T>(Func<IReadOnlyList<T>> read, Func<IReadOnlyList<T>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var items = read();
            if (condition(items))
            {
                return items;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The OTLP receiver's {items.Count} {what} did not meet the condition within {timeout}.");
            }

            await Task.Delay(100);
        }
    }

    private static Dictionary<string, object?> Attributes(IEnumerable<KeyValue> attributes) =>
        attributes.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => Value(g.Last().Value));

    private static object? Value(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToBase64(),
        _ => null,
    };

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static DateTimeOffset Time(ulong unixNano) => DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100));

    /// <summary>A list that keeps its newest <c>capacity</c> items.</summary>
    private sealed class Bounded<T>(int capacity)
    {
        private readonly Queue<T> _items = new();
        private readonly Lock _lock = new();

        public void Add(T item)
        {
            lock (_lock)
            {
                if (_items.Count == capacity)
                {
                    _items.Dequeue();
                }

                _items.Enqueue(item);
            }
        }

        public IReadOnlyList<T> Snapshot()
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }
    }

    private sealed class TraceService(Bounded<ReceivedSpan> spans, Bounded<string> exports) : Otlp.TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            exports.Add(JsonFormatter.Default.Format(request));
            foreach (var resource in request.ResourceSpans)
            {
                var resourceAttributes = Attributes(resource.Resource?.Attributes ?? []);
                foreach (var scope in resource.ScopeSpans)
                {
                    foreach (var span in scope.Spans)
                    {
                        spans.Add(new ReceivedSpan(
                            Hex(span.TraceId),
                            Hex(span.SpanId),
                            span.ParentSpanId.IsEmpty ? null : Hex(span.ParentSpanId),
                            span.Name,
                            scope.Scope?.Name ?? "",
                            span.Kind,
                            span.Status?.Code ?? StatusCode.Unset,
                            Time(span.StartTimeUnixNano),
                            Time(span.EndTimeUnixNano),
                            Attributes(span.Attributes),
                            resourceAttributes));
                    }
                }
            }

            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }

    private sealed class MetricsService(Bounded<ReceivedMetricPoint> points, Bounded<string> exports) : Otlp.MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            exports.Add(JsonFormatter.Default.Format(request));
            foreach (var scope in request.ResourceMetrics.SelectMany(r => r.ScopeMetrics))
            {
                var scopeName = scope.Scope?.Name ?? "";
                foreach (var metric in scope.Metrics)
                {
                    foreach (var point in Points(metric))
                    {
                        points.Add(point with { Scope = scopeName });
                    }
                }
            }

            return Task.FromResult(new ExportMetricsServiceResponse());
        }

        private static IEnumerable<ReceivedMetricPoint> Points(Metric metric) => metric.DataCase switch
        {
            Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Select(p => Number(metric, "sum", p)),
            Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Select(p => Number(metric, "gauge", p)),
            Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Select(p => new ReceivedMetricPoint(
                "", metric.Name, metric.Unit, "histogram", null, p.Count, p.HasSum ? p.Sum : null, Time(p.TimeUnixNano), Attributes(p.Attributes))),
            _ => [],
        };

        private static ReceivedMetricPoint Number(Metric metric, string type, NumberDataPoint point) => new(
            "",
            metric.Name,
            metric.Unit,
            type,
            point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble,
            null,
            null,
            Time(point.TimeUnixNano),
            Attributes(point.Attributes));
    }
}
