using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Collab.Bench.PeerComparison;

/// <summary>
/// An OTLP/gRPC endpoint that takes every <c>Export</c> (traces, metrics, logs) and answers it at once with an empty
/// response message and <c>grpc-status: 0</c>, counting requests and bytes without decoding them: the cheapest
/// collector there is, so that the benchmark measures what exporting costs the worker, not what a collector costs.
/// </summary>
internal sealed class OtlpSink : IAsyncDisposable
{
    // A gRPC message frame: not compressed, length 0 (an empty Export*ServiceResponse).
    private static readonly byte[] EmptyResponse = new byte[5];

    private readonly WebApplication _app;
    private long _requests;
    private long _traceRequests;
    private long _bytes;

    private OtlpSink(WebApplication app) => _app = app;

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Export requests taken so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Trace export requests taken so far.</summary>
    public long TraceRequests => Interlocked.Read(ref _traceRequests);

    /// <summary>Request body bytes taken so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Starts a sink on a free loopback port (HTTP/2 with prior knowledge, as OTLP/gRPC over http:// is).</summary>
    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var sink = new OtlpSink(app);
        app.MapPost("/{service}/Export", sink.ExportAsync);
        await app.StartAsync();
        sink.Endpoint = new Uri(app.Urls.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ExportAsync(HttpContext context, string service)
    {
        var buffer = new byte[16 * 1024];
        long length = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
        {
            length += read;
        }

        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _bytes, length);
        if (service.EndsWith(".TraceService", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _traceRequests);
        }

        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", "0");
        await context.Response.Body.WriteAsync(EmptyResponse);
    }
}
