using System.Net;
using System.Net.WebSockets;
using System.Text;
using Collab.Emulators.WebPubSub;
using Microsoft.AspNetCore.Http;
using Collab.Testing;
using Collab.Protocols.WebPubSub;

namespace Collab.Emulators.Tests;

/// <summary>What the SDKs never send: bad tokens, malformed frames, failing upstreams (shared/protocols/web-pubsub.md).</summary>
public sealed class WebPubSubEmulatorTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task Upgrade_RefusesMissingExpiredForeignAndWrongAudienceTokensWith401()
    {
        const string Hub = "tokens";
        var expired = WebSocketTestClient.Token(emulators, Hub, lifetime: TimeSpan.FromSeconds(-10));
        var foreign = WebSocketTestClient.Token(emulators, Hub, key: "another-key-that-is-long-enough-for-hs256!");
        var otherHub = WebSocketTestClient.Token(emulators, "otherhub");

        Assert.Equal(401, await WebSocketTestClient.RefusedStatusAsync(new Uri($"ws://{emulators.WebPubSubEndpoint.Authority}/client/hubs/{Hub}")));
        Assert.Equal(401, await WebSocketTestClient.RefusedStatusAsync(WebSocketTestClient.Url(emulators, Hub, expired)));
        Assert.Equal(401, await WebSocketTestClient.RefusedStatusAsync(WebSocketTestClient.Url(emulators, Hub, foreign)));
        Assert.Equal(401, await WebSocketTestClient.RefusedStatusAsync(WebSocketTestClient.Url(emulators, Hub, otherHub)));
        Assert.Equal(401, await WebSocketTestClient.RefusedStatusAsync(WebSocketTestClient.Url(emulators, Hub, "garbage")));
    }

    [Fact]
    public async Task Upgrade_AcceptsTheSecondaryKeyAndEchoesTheSubprotocol()
    {
        var token = WebSocketTestClient.Token(emulators, "secondary", "u1", key: emulators.WebPubSubOptions.SecondaryAccessKey);
        await using var client = await WebSocketTestClient.ConnectAsync(WebSocketTestClient.Url(emulators, "secondary", token), Subprotocols.JsonReliable);

        Assert.Equal(Subprotocols.JsonReliable, client.Socket.SubProtocol);
        var connected = await client.ReceiveAsync("system");
        Assert.Equal("u1", connected.GetProperty("userId").GetString());
        Assert.False(string.IsNullOrEmpty(connected.GetProperty("reconnectionToken").GetString()));
    }

    [Fact]
    public async Task NonJsonFrame_ClosesWith1007()
    {
        await using var client = await ConnectedAsync("malformed");
        await client.SendAsync("{not json");
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await client.ReceiveCloseAsync());
    }

    [Fact]
    public async Task FrameOver1MB_ClosesWith1009()
    {
        await using var client = await ConnectedAsync("oversize");
        await client.SendAsync(new byte[(1024 * 1024) + 1], WebSocketMessageType.Text);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.ReceiveCloseAsync());
    }

    [Fact]
    public async Task BadRequests_GetErrorAcksAndTheConnectionSurvives()
    {
        await using var client = await ConnectedAsync("badrequests", roles: ["webpubsub.joinLeaveGroup"]);

        await client.SendAsync("{\"type\":\"joinGroup\",\"ackId\":1}");
        Assert.Equal("BadRequest", (await client.ReceiveAsync("ack")).GetProperty("error").GetProperty("name").GetString());
        await client.SendAsync("{\"type\":\"teleport\",\"ackId\":2}");
        Assert.Equal("BadRequest", (await client.ReceiveAsync("ack")).GetProperty("error").GetProperty("name").GetString());
        await client.SendAsync("{\"type\":\"sendToGroup\",\"group\":\"g\",\"dataType\":\"binary\",\"data\":\"%%%\",\"ackId\":3}");
        Assert.Equal("Forbidden", (await client.ReceiveAsync("ack")).GetProperty("error").GetProperty("name").GetString());

        await client.SendAsync("{\"type\":\"ping\"}");
        Assert.Equal("pong", (await client.ReceiveAsync("pong")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task RepeatedAckId_IsAnsweredDuplicateWithoutReprocessing()
    {
        await using var client = await ConnectedAsync("duplicates", roles: ["webpubsub.joinLeaveGroup"]);

        await client.SendAsync("{\"type\":\"joinGroup\",\"group\":\"g\",\"ackId\":7}");
        Assert.True((await client.ReceiveAsync("ack")).GetProperty("success").GetBoolean());
        await client.SendAsync("{\"type\":\"joinGroup\",\"group\":\"g\",\"ackId\":7}");
        var duplicate = await client.ReceiveAsync("ack");

        Assert.False(duplicate.GetProperty("success").GetBoolean());
        Assert.Equal("Duplicate", duplicate.GetProperty("error").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Upstream_GetsValidationThenSignedCloudEventsAndRetries5xx()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var failures = 1;
        upstream.Respond = async (request, context) =>
        {
            if (request.Method == "POST" && request.Header("ce-eventName") == "draw" && Interlocked.Decrement(ref failures) >= 0)
            {
                context.Response.StatusCode = 503;
                return;
            }

            if (request.Header("ce-eventName") == "draw")
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"seq\":1}");
                return;
            }

            await RecordingUpstream.DefaultAsync(request, context);
        };
        Route("upstream", upstream, "connect", "connected", "disconnected");

        await using (var client = await ConnectedAsync("upstream", userId: "alice"))
        {
            await client.SendAsync("{\"type\":\"event\",\"event\":\"draw\",\"dataType\":\"text\",\"data\":\"stroke\",\"ackId\":1}");
            var reply = await client.ReceiveAsync("message");
            Assert.Equal("server", reply.GetProperty("from").GetString());
            Assert.Equal(1, reply.GetProperty("data").GetProperty("seq").GetInt32());
            Assert.True((await client.ReceiveAsync("ack")).GetProperty("success").GetBoolean());
        }

        await WaitUntilAsync(() => upstream.Requests.Any(r => r.Header("ce-eventName") == "disconnected"));
        var requests = upstream.Requests.ToList();
        Assert.Equal("OPTIONS", requests[0].Method);
        Assert.Equal("/validate", requests[0].Path);
        Assert.Equal("1.0", requests[0].Header("ce-awpsversion"));
        Assert.Equal("127.0.0.1", requests[0].Header("WebHook-Request-Origin"));

        var events = requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(["connect", "connected", "draw", "draw", "disconnected"], events.Select(e => e.Header("ce-eventName")));
        Assert.Equal("azure.webpubsub.user.draw", events[2].Header("ce-type"));
        Assert.Equal("text/plain", events[2].Header("Content-Type"));
        Assert.Equal("stroke", Encoding.UTF8.GetString(events[2].Body));
        foreach (var e in events)
        {
            Assert.Equal("alice", e.Header("ce-userId"));
            Assert.Equal("1.0", e.Header("ce-awpsversion"));
            Assert.Equal($"/hubs/upstream/client/{e.Header("ce-connectionId")}", e.Header("ce-source"));
            Assert.True(CloudEventSignature.IsValid(e.Header("ce-signature"), e.Header("ce-connectionId"), [emulators.WebPubSubOptions.AccessKey]));
            Assert.True(CloudEventSignature.IsValid(e.Header("ce-signature"), e.Header("ce-connectionId"), [emulators.WebPubSubOptions.SecondaryAccessKey!]));
        }
    }

    [Fact]
    public async Task ConnectRejection_RefusesTheUpgradeWithTheHandlersStatus()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        upstream.Respond = (request, context) =>
        {
            if (request.Method == "POST")
            {
                context.Response.StatusCode = 403;
                return Task.CompletedTask;
            }

            return RecordingUpstream.DefaultAsync(request, context);
        };
        Route("rejecting", upstream, "connect", "connected", "disconnected");

        var token = WebSocketTestClient.Token(emulators, "rejecting", "mallory");
        Assert.Equal(403, await WebSocketTestClient.RefusedStatusAsync(WebSocketTestClient.Url(emulators, "rejecting", token)));
        await Task.Delay(200);
        Assert.DoesNotContain(upstream.Requests, r => r.Header("ce-eventName") is "connected" or "disconnected");
    }

    [Fact]
    public async Task ConnectResponse_SetsUserGroupsAndStateForLaterEvents()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        upstream.Respond = async (request, context) =>
        {
            if (request.Header("ce-eventName") == "connect")
            {
                context.Response.Headers["ce-connectionState"] = "eyJib2FyZCI6ImIxIn0=";
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"userId\":\"from-handler\",\"groups\":[\"board.b1\"],\"roles\":[],\"subprotocol\":\"json.webpubsub.azure.v1\"}");
                return;
            }

            await RecordingUpstream.DefaultAsync(request, context);
        };
        Route("stateful", upstream, "connect", "connected");

        await using var client = await ConnectedAsync("stateful", userId: "token-user", subprotocols: null);
        var connected = await client.ReceiveAsync("system");

        Assert.Equal("from-handler", connected.GetProperty("userId").GetString());
        await WaitUntilAsync(() => upstream.Requests.Any(r => r.Header("ce-eventName") == "connected"));
        var connectedEvent = upstream.Requests.Single(r => r.Header("ce-eventName") == "connected");
        Assert.Equal("eyJib2FyZCI6ImIxIn0=", connectedEvent.Header("ce-connectionState"));
        Assert.Equal("from-handler", connectedEvent.Header("ce-userId"));
        Assert.Equal("json.webpubsub.azure.v1", connectedEvent.Header("ce-subprotocol"));
    }

    [Fact]
    public async Task RawClient_FramesBecomeMessageEventsAndRepliesComeBackAsFrames()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        upstream.Respond = async (request, context) =>
        {
            if (request.Header("ce-eventName") == "message")
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("echo:" + Encoding.UTF8.GetString(request.Body));
                return;
            }

            await RecordingUpstream.DefaultAsync(request, context);
        };
        Route("raw", upstream);

        var token = WebSocketTestClient.Token(emulators, "raw", "r1");
        await using var client = await WebSocketTestClient.ConnectAsync(WebSocketTestClient.Url(emulators, "raw", token), subprotocol: null);
        await client.SendAsync("hi");

        Assert.Equal("echo:hi", await client.ReceiveAsync());
        Assert.Equal("azure.webpubsub.user.message", upstream.Requests.Single(r => r.Method == "POST").Header("ce-type"));
    }

    [Fact]
    public async Task Rest_RefusesBadSignaturesAndWrongAudiences()
    {
        using var http = new HttpClient();
        var url = new Uri(emulators.WebPubSubEndpoint, "api/hubs/h/:send?api-version=2024-12-01");
        using var unsigned = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("x") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(unsigned)).StatusCode);

        using var wrongAudience = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("x") };
        wrongAudience.Headers.Authorization = new("Bearer", WebSocketTestClient.Token(emulators, "h", audience: new Uri(emulators.WebPubSubEndpoint, "api/hubs/other/:send").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrongAudience)).StatusCode);

        using var signed = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("x") };
        signed.Headers.Authorization = new("Bearer", WebSocketTestClient.Token(emulators, "h", audience: new Uri(emulators.WebPubSubEndpoint, "api/hubs/h/:send").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(signed)).StatusCode);
    }

    private void Route(string hub, RecordingUpstream upstream, params string[] systemEvents) =>
        emulators.WebPubSubOptions.Hubs[hub] = new HubSettings
        {
            EventHandlers = [new EventHandlerSettings { UrlTemplate = upstream.BaseUrl + "{event}", UserEventPattern = "*", SystemEvents = [.. systemEvents] }],
        };

    private async Task<WebSocketTestClient> ConnectedAsync(string hub, string? userId = null, string[]? roles = null, string? subprotocols = "json.webpubsub.azure.v1")
    {
        var token = WebSocketTestClient.Token(emulators, hub, userId, roles);
        return await WebSocketTestClient.ConnectAsync(WebSocketTestClient.Url(emulators, hub, token), subprotocols ?? "json.webpubsub.azure.v1");
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
