using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Collab.Emulators.WebPubSub;
using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// The emulators' spans (<see cref="EmulatorTelemetry.SourceName"/>): an upstream event is a trace of its own whose
/// context reaches the event handler as <c>traceparent</c>, as the service sends it (shared/protocols/web-pubsub.md §4),
/// and a REST send joins the caller's trace.
/// </summary>
[Collection(EmulatorTelemetryTestsCollection.Name)]
public sealed class EmulatorTelemetryTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>, IDisposable
{
    private const string Hub = "telemetry";
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private ActivityListener? _listener;

    [Fact]
    public async Task UpstreamEvent_StartsItsOwnTrace_LinkedToTheConnection_AndSendsItsTraceparent()
    {
        Record();
        await using var upstream = await RecordingUpstream.StartAsync();
        emulators.WebPubSubOptions.Hubs[Hub] = new HubSettings
        {
            EventHandlers = [new EventHandlerSettings { UrlTemplate = upstream.BaseUrl + "{event}", UserEventPattern = "*" }],
        };
        var token = WebSocketTestClient.Token(emulators, Hub, "alice");
        await using (var client = await WebSocketTestClient.ConnectAsync(WebSocketTestClient.Url(emulators, Hub, token)))
        {
            await client.SendAsync("{\"type\":\"event\",\"event\":\"draw\",\"dataType\":\"text\",\"data\":\"stroke\",\"ackId\":1}");
            Assert.True((await client.ReceiveAsync("ack")).GetProperty("success").GetBoolean());
        }

        var span = Assert.Single(_stopped, a => a.Source.Name == EmulatorTelemetry.SourceName && a.DisplayName == "WebPubSub upstream draw" && Equals(a.GetTagItem("collab.wps.hub"), Hub));
        var traceparent = upstream.Requests.Single(r => r.Method == "POST" && r.Header("ce-eventName") == "draw").Header("traceparent");
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal("user", span.GetTagItem("collab.wps.event_type"));
        Assert.Equal(204, span.GetTagItem("http.response.status_code"));
        Assert.Equal(default, span.ParentSpanId);
        // The HTTP client's span, under the event's, is the handler's parent.
        var call = Assert.Single(_stopped, a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == span.SpanId && a.DisplayName == "POST");
        Assert.Equal($"00-{span.TraceId}-{call.SpanId}-01", traceparent);
        // The WebSocket upgrade's own span lives as long as the connection: the event is linked to it, not under it.
        var connection = Assert.Single(span.Links);
        Assert.NotEqual(span.TraceId, connection.Context.TraceId);
        await WaitUntilAsync(() => _stopped.Any(a => a.Source.Name == "Microsoft.AspNetCore" && a.TraceId == connection.Context.TraceId));
        Assert.DoesNotContain(span.Tags, t => t.Value?.Contains("alice", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task RestSendToGroup_JoinsTheCallersTrace()
    {
        Record();
        var path = $"api/hubs/{Hub}/groups/board-1/:send";
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(emulators.WebPubSubEndpoint, path + "?api-version=2024-12-01")) { Content = new StringContent("{\"x\":1}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", WebSocketTestClient.Token(emulators, Hub, audience: new Uri(emulators.WebPubSubEndpoint, path).AbsoluteUri));
        var caller = ActivityTraceId.CreateRandom();
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{caller}-{ActivitySpanId.CreateRandom()}-01");

        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(request)).StatusCode);

        var span = Assert.Single(_stopped, a => a.Source.Name == EmulatorTelemetry.SourceName && a.TraceId == caller);
        Assert.Equal("WebPubSub send to group", span.DisplayName);
        Assert.Equal("board-1", span.GetTagItem("collab.wps.group"));
        Assert.Equal(0, span.GetTagItem("collab.wps.recipients"));
    }

    public void Dispose() => _listener?.Dispose();

    private void Record()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EmulatorTelemetry.SourceName or "Microsoft.AspNetCore" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "The condition did not become true within 5 s.");
    }
}

/// <summary>
/// Runs <see cref="EmulatorTelemetryTests"/> alone: its activity listener is process-wide and samples every span of the sources it
/// names, which would change the traces (sampled parents) that tests running beside it observe.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EmulatorTelemetryTestsCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "EmulatorTelemetry listeners";
}
