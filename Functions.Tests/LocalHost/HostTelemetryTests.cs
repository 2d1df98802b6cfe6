using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.LocalHost.Hosting;
using Collab.Testing;

namespace Collab.Functions.Tests.LocalHost;

/// <summary>
/// The host's own spans (<see cref="HostTelemetry.SourceName"/>): each invocation is a span under the incoming request
/// (or the root of a timer run), and the invocation's <c>trace_context</c> makes it the parent of the worker's spans
/// (../shared/protocols/functions-host-grpc.md §2.5), which the real worker exports over OTLP.
/// </summary>
[Collection(HostTelemetryTestsCollection.Name)]
public sealed class HostTelemetryTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private ActivityListener? _listener;

    [Fact]
    public async Task AnHttpInvocation_IsASpanUnderTheRequest_AndTheParentOfTheWorkersSpans()
    {
        Record();
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var stack = await LocalStack.StartAsync(emulators, settings => LocalStack.ExportTelemetryTo(settings, receiver));
        using var http = stack.Anonymous();
        var caller = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/health");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{caller}-{callerSpan}-01");

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);

        var invocation = await StoppedAsync(a => a.Source.Name == HostTelemetry.SourceName && a.TraceId == caller);
        // The host's request span, under the caller's (the emulators the health check calls have theirs in this trace too).
        var server = Assert.Single(_stopped, a => a.Source.Name == "Microsoft.AspNetCore" && a.TraceId == caller && a.ParentSpanId == callerSpan);
        Assert.Equal("Invoke Health", invocation.DisplayName);
        Assert.Equal(server.SpanId, invocation.ParentSpanId);
        Assert.Equal("http", invocation.GetTagItem("faas.trigger"));
        Assert.Equal("Health", invocation.GetTagItem("faas.name"));
        var spans = await receiver.WaitForSpansAsync(s => s.Any(span => span.ParentSpanId == invocation.SpanId.ToHexString()), Patience);
        Assert.All(spans.Where(s => s.ParentSpanId == invocation.SpanId.ToHexString()), s => Assert.Equal(caller.ToHexString(), s.TraceId));
    }

    [Fact]
    public async Task ATimerRun_IsTheParentOfTheWorkersSpans()
    {
        Record();
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var stack = await LocalStack.StartAsync(emulators, settings =>
        {
            LocalStack.ExportTelemetryTo(settings, receiver);
            settings["Boards:SnapshotSchedule"] = "0 0 0 29 2 *";
        });
        using var http = stack.Anonymous();

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("admin/functions/SnapshotTimer", new { input = "" })).StatusCode);

        var spans = await receiver.WaitForSpansAsync(s => s.Any(span => span.Name == "collab.timer"), Patience);
        var timer = spans.First(s => s.Name == "collab.timer");
        var run = await StoppedAsync(a => a.Source.Name == HostTelemetry.SourceName && a.TraceId.ToHexString() == timer.TraceId);
        Assert.Equal("Invoke SnapshotTimer", run.DisplayName);
        Assert.Equal("timer", run.GetTagItem("faas.trigger"));
        Assert.Equal(true, run.GetTagItem("collab.timer.on_demand"));
        Assert.Contains(spans, s => s.ParentSpanId == run.SpanId.ToHexString());
    }

    public void Dispose() => _listener?.Dispose();

    private void Record()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is HostTelemetry.SourceName or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private async Task<Activity> StoppedAsync(Func<Activity, bool> match)
    {
        for (var waited = TimeSpan.Zero; waited < Patience && !_stopped.Any(match); waited += TimeSpan.FromMilliseconds(50))
        {
            await Task.Delay(50);
        }

        return Assert.Single(_stopped, a => match(a));
    }
}

/// <summary>
/// Runs <see cref="HostTelemetryTests"/> alone: its activity listener is process-wide and samples every span of the sources it
/// names, which would change the traces (sampled parents) that tests running beside it observe.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostTelemetryTestsCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "HostTelemetry listeners";
}
