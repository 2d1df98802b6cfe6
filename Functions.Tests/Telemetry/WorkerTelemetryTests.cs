using System.Net;
using Collab.Boards.Telemetry;
using Collab.Functions.Telemetry;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MeterProvider = OpenTelemetry.Metrics.MeterProvider;
using TracerProvider = OpenTelemetry.Trace.TracerProvider;
using SpanKind = Collab.Testing.Otlp.SpanKind;
using Spans = Collab.Boards.Telemetry.CollabTelemetry.Spans;
using Tags = Collab.Boards.Telemetry.CollabTelemetry.Tags;

namespace Collab.Functions.Tests.Telemetry;

/// <summary>
/// The worker's telemetry through the real local stack: the built worker, started by the local host (which forwards each
/// HTTP request to the worker with its W3C <c>traceparent</c>, and sends each invocation its trace context,
/// shared/protocols/functions-host-grpc.md step 5), exports over OTLP (the OpenTelemetry packages of
/// shared/protocols/functions-worker.md §2.1) to a receiver in the test process. One stroke goes the way a browser's does: negotiate, connect over the Web PubSub emulator, one
/// <c>addShape</c> (shared/protocols/web-pubsub.md §4, the event handler's CloudEvents).
/// </summary>
public sealed class WorkerTelemetryTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task OneStroke_ProducesTheSpanTree_AndTheMetricPoints()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var stack = await LocalStack.StartAsync(emulators, settings => LocalStack.ExportTelemetryTo(settings, receiver));
        var aliceName = BoardApi.NewUser("alice");
        var userHash = CollabTelemetry.UserHash(LocalStack.UserIdOf(aliceName));
        using var alice = await stack.SignInAsync(aliceName);
        var boardId = await BoardApi.CreateAsync(alice);

        using var negotiate = await alice.PostAsync($"api/boards/{boardId}/negotiate", null);
        var url = (await BoardApi.JsonAsync(negotiate, HttpStatusCode.OK)).GetProperty("url").GetString()!;
        await using var client = await WebSocketTestClient.ConnectAsync(new Uri(url));
        Assert.Equal("connected", (await client.ReceiveAsync("system")).GetProperty("event").GetString());
        await client.SendAsync("""{"type":"event","event":"addShape","dataType":"json","ackId":1,"data":{"opId":"t1","shape":{"id":"s1","kind":"rect","color":"#1e90ff","width":2,"x":1,"y":1,"w":30,"h":40}}}""");
        Assert.True((await client.ReceiveAsync("ack")).GetProperty("success").GetBoolean());
        await client.SendAsync("""{"type":"event","event":"addShape","dataType":"json","ackId":2,"data":{"opId":"t2","shape":{"id":"s2","kind":"blob"}}}""");
        Assert.False((await client.ReceiveAsync("ack")).GetProperty("success").GetBoolean());

        var spans = await receiver.WaitForSpansAsync(
            all => all.Any(s => s.Name == Spans.Broadcast && Board(s) == boardId) && all.Any(s => s.Name == Spans.Token && Board(s) == boardId),
            Wait);
        var tree = Render(spans);

        // The stroke: the incoming request to the event handler, then the event, its checks, the commit, the batch and the broadcast.
        // The committed one: the malformed second op is an addShape event too, refused before it gets a seq.
        var @event = Assert.Single(spans, s => s.Name == Spans.Event && Board(s) == boardId && (string?)s.Attributes[Tags.EventName] == "addShape" && s.Attributes.ContainsKey(Tags.Seq));
        var request = RequestOf(spans, @event, tree);
        Assert.Equal(("Microsoft.AspNetCore", SpanKind.Server, "/api/eventhandler"), (request.Scope, request.Kind, (string?)request.Attributes["url.path"]));
        Assert.NotNull(request.ParentSpanId); // the host's traceparent, forwarded with the request: the worker's spans join its trace
        Assert.Equal(userHash, @event.Attributes[Tags.UserHash]);
        Assert.Equal("addShape", @event.Attributes[Tags.OpKind]);
        Assert.Equal(1L, @event.Attributes[Tags.Seq]);

        var admission = ChildOf(spans, @event, Spans.Admission, tree);
        Assert.Equal(boardId, Board(admission));
        Assert.Equal("addShape", ChildOf(spans, @event, Spans.Validation, tree).Attributes[Tags.OpKind]);
        var commit = ChildOf(spans, @event, Spans.Commit, tree);
        Assert.Equal(boardId, Board(commit));
        Assert.Equal(1L, commit.Attributes[Tags.Seq]);
        Assert.Equal("addShape", commit.Attributes[Tags.OpKind]);
        Assert.Equal(userHash, commit.Attributes[Tags.UserHash]);
        Assert.Equal(false, commit.Attributes[Tags.Duplicate]);

        var batch = ChildOf(spans, commit, Spans.CommitBatch, tree);
        Assert.Equal(1L, batch.Attributes[Tags.BatchSize]);
        Assert.Equal(1L, batch.Attributes[Tags.AppendAttempts]);
        Assert.Equal(0L, batch.Attributes[Tags.Conflicts]);
        var load = ChildOf(spans, batch, Spans.Load, tree);
        Assert.Equal("log", load.Attributes[Tags.LoadSource]);
        Assert.Equal(0L, load.Attributes[Tags.OpsReplayed]);
        var broadcast = ChildOf(spans, batch, Spans.Broadcast, tree);
        Assert.Equal(1L, broadcast.Attributes[Tags.Seq]);

        // Trace context flows to the REST calls: the send to the board's group is an HTTP client span under the broadcast.
        var send = Assert.Single(spans, s => s.ParentSpanId == broadcast.SpanId && s.Kind == SpanKind.Client);
        Assert.Contains(":send", (string?)send.Attributes["url.full"] ?? "", StringComparison.Ordinal);
        Assert.Contains(spans, s => s.ParentSpanId == batch.SpanId && s.Kind == SpanKind.Client && ((string?)s.Attributes["url.full"] ?? "").Contains(boardId, StringComparison.Ordinal));
        Assert.All(new[] { admission, commit, batch, load, broadcast, send }, s => Assert.Equal(request.TraceId, s.TraceId));

        // The connect: admitted under its own event; the negotiate: a token span under its request.
        var connect = Assert.Single(spans, s => s.Name == Spans.Event && Board(s) == boardId && (string?)s.Attributes[Tags.EventName] == "connect");
        Assert.Equal(boardId, Board(ChildOf(spans, connect, Spans.Admission, tree)));
        var token = Assert.Single(spans, s => s.Name == Spans.Token && Board(s) == boardId);
        Assert.Equal("web-pubsub", token.Attributes[Tags.TokenKind]);
        Assert.Equal(userHash, token.Attributes[Tags.UserHash]);
        var negotiated = ParentOf(spans, token, tree);
        Assert.Equal(("Microsoft.AspNetCore", $"/api/boards/{boardId}/negotiate"), (negotiated.Scope, (string?)negotiated.Attributes["url.path"]));

        // Neither the user's id nor the display name is an attribute anywhere.
        Assert.DoesNotContain(spans.SelectMany(s => s.Attributes.Values), v => v is string text && (text.Contains(aliceName, StringComparison.Ordinal)));

        // Metrics: the warm-up operation and this one, each committed once, in batches of one; the malformed one refused.
        var points = await receiver.WaitForMetricPointsAsync(
            all => Latest(all, CollabTelemetry.Metrics.Refusals, p => (string?)p.Attributes[Tags.Reason] == CollabTelemetry.Reasons.Validation)?.Value >= 1 && Latest(all, CollabTelemetry.Metrics.OperationsCommitted, p => (string?)p.Attributes[Tags.OpKind] == "addShape")?.Value >= 2
                && Latest(all, CollabTelemetry.Metrics.CommitDuration)?.Count >= 2
                && Latest(all, CollabTelemetry.Metrics.BatchSize)?.Count >= 2,
            Wait);
        var committed = Latest(points, CollabTelemetry.Metrics.OperationsCommitted, p => (string?)p.Attributes[Tags.OpKind] == "addShape")!;
        Assert.Equal(("sum", 2.0), (committed.Type, committed.Value));
        var latency = Latest(points, CollabTelemetry.Metrics.CommitDuration)!;
        Assert.Equal(("histogram", "ms", 2UL), (latency.Type, latency.Unit, latency.Count));
        Assert.True(latency.Sum > 0, "commit latency is recorded in milliseconds");
        var batches = Latest(points, CollabTelemetry.Metrics.BatchSize)!;
        Assert.Equal((2UL, 2.0), (batches.Count, batches.Sum));
        Assert.True(Latest(points, CollabTelemetry.Metrics.LiveBoards)?.Value >= 1, "the live boards gauge counts the boards held");
        Assert.True(Latest(points, CollabTelemetry.Metrics.BoardConnections)?.Count >= 1, "presence records the board's connections");
        Assert.Equal(1.0, Latest(points, CollabTelemetry.Metrics.Refusals, p => (string?)p.Attributes[Tags.Reason] == CollabTelemetry.Reasons.Validation)!.Value);
    }

    /// <summary>Without an exporter's setting the worker registers no OpenTelemetry at all, and a stroke commits as ever.</summary>
    [Fact]
    public async Task WithoutSettings_NothingIsRegistered_AndTheWorkerStartsAndCommits()
    {
        Assert.False(Exports(new Dictionary<string, string?>()).Registered);
        Assert.True(Exports(new Dictionary<string, string?> { [TelemetryServiceCollectionExtensions.OtlpEndpointSetting] = "http://127.0.0.1:4317" }).Registered);

        await using var receiver = await OtlpReceiver.StartAsync();
        await using var stack = await LocalStack.StartAsync(emulators, settings =>
        {
            settings["OTEL_BSP_SCHEDULE_DELAY"] = "200";
            settings["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        });
        using var bob = await stack.SignInAsync(BoardApi.NewUser("bob"));
        var boardId = await BoardApi.CreateAsync(bob);
        using var negotiate = await bob.PostAsync($"api/boards/{boardId}/negotiate", null);
        var url = (await BoardApi.JsonAsync(negotiate, HttpStatusCode.OK)).GetProperty("url").GetString()!;
        await using var client = await WebSocketTestClient.ConnectAsync(new Uri(url));
        Assert.Equal("connected", (await client.ReceiveAsync("system")).GetProperty("event").GetString());
        await client.SendAsync("""{"type":"event","event":"addShape","dataType":"json","ackId":1,"data":{"opId":"t1","shape":{"id":"s1","kind":"rect","color":"#1e90ff","width":2,"x":1,"y":1,"w":30,"h":40}}}""");
        Assert.True((await client.ReceiveAsync("ack")).GetProperty("success").GetBoolean());

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(receiver.Exports);
    }

    /// <summary>What the worker's <c>Program.cs</c> registers for <paramref name="settings"/>: whether any tracer or meter provider exists.</summary>
    private static (bool Registered, bool Tracer, bool Meter) Exports(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        var registered = services.AddCollabTelemetryExport(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        var tracer = provider.GetService<TracerProvider>() is not null;
        var meter = provider.GetService<MeterProvider>() is not null;
        Assert.Equal(registered, tracer);
        Assert.Equal(registered, meter);
        return (registered, tracer, meter);
    }

    private static string? Board(ReceivedSpan span) => span.Attributes.TryGetValue(Tags.BoardId, out var board) ? board as string : null;

    private static ReceivedSpan ParentOf(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan child, string tree) =>
        spans.SingleOrDefault(s => s.SpanId == child.ParentSpanId) ?? throw new Xunit.Sdk.XunitException($"{child.Name} has no exported parent. Spans:\n{tree}");

    // The worker's incoming request span above the event: its parent, or above the Functions worker's own invocation
    // span, which the worker exports as well when the host's trace context arrives sampled.
    private static ReceivedSpan RequestOf(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan @event, string tree)
    {
        var parent = ParentOf(spans, @event, tree);
        return parent.Scope == "Microsoft.AspNetCore" ? parent : ParentOf(spans, parent, tree);
    }

    private static ReceivedSpan ChildOf(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan parent, string name, string tree) =>
        spans.SingleOrDefault(s => s.ParentSpanId == parent.SpanId && s.Name == name) ?? throw new Xunit.Sdk.XunitException($"{parent.Name} has no single child {name}. Spans:\n{tree}");

    private static ReceivedMetricPoint? Latest(IReadOnlyList<ReceivedMetricPoint> points, string name, Func<ReceivedMetricPoint, bool>? where = null) =>
        points.Where(p => p.Scope == CollabTelemetry.Name && p.Name == name && (where?.Invoke(p) ?? true)).MaxBy(p => p.Time);

    /// <summary>The spans as an indented tree, for failure messages.</summary>
    private static string Render(IReadOnlyList<ReceivedSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var lines = new List<string>();
        void Add(ReceivedSpan span, int depth)
        {
            lines.Add($"{new string(' ', 2 * depth)}{span.Name} [{span.Scope}, {span.Kind}, {span.TraceId[..6]}/{span.SpanId[..6]}<-{span.ParentSpanId?[..6]}] {string.Join(", ", span.Attributes.Select(a => $"{a.Key}={a.Value}"))}");
            foreach (var child in spans.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.Start))
            {
                Add(child, depth + 1);
            }
        }

        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.Start))
        {
            Add(root, 0);
        }

        return string.Join('\n', lines);
    }
}
