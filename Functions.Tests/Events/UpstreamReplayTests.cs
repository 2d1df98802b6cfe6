using System.Net;
using Collab.Functions.Tests.Infrastructure;

namespace Collab.Functions.Tests.Events;

/// <summary>
/// A captured upstream request sent again. The service signs only the connection id (shared/protocols/web-pubsub.md
/// §4.3), so everything else in a captured request can be changed; these are the defences behind that signature:
/// the connection state sealed at connect and bound to the connection and user (§4.8), the <c>ce-time</c> window
/// (§4.2), and the <c>ce-id</c> replay cache that keeps the service's retries (§4.9) idempotent. Through the local
/// functions host and the real worker over HTTP.
/// </summary>
public sealed class UpstreamReplayTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private const string ForeignKey = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";

    private LocalStack Stack => fixture.Stack;

    private string Key => fixture.Emulators.WebPubSubOptions.AccessKey;

    [Fact]
    public async Task ReplayOfACapturedOperation_WithAChangedBody_IsRefused_AndStoresNothing()
    {
        var (client, alice, boardId) = await BoardOfAliceAsync();
        using var _ = client;
        using var upstream = Upstream();
        using var first = await upstream.SendAsync(upstream.User("addShape", "c-" + alice, alice, boardId, UpstreamClient.AddRect("op-1", "s1"), eventId: "5"));

        using var replay = await upstream.SendAsync(upstream.User("addShape", "c-" + alice, alice, boardId, UpstreamClient.AddRect("op-evil", "s-evil"), eventId: "5"));

        Assert.Equal(1L, await UpstreamClient.SeqOfAsync(first));
        await BoardApi.ProblemAsync(replay, HttpStatusCode.Conflict);
        Assert.Equal(["op-1"], (await BoardApi.AllOpsAsync(client, boardId)).Select(o => o.GetProperty("opId").GetString()));
    }

    [Theory]
    [InlineData("same-event-id")]
    [InlineData("new-event-id")]
    public async Task ReplayOfACapturedOperation_AsAnotherUser_IsRefused_AndStoresNothing(string eventId)
    {
        var (client, alice, boardId) = await BoardOfAliceAsync();
        using var _ = client;
        using var upstream = Upstream();
        using var first = await upstream.SendAsync(upstream.User("addShape", "c-" + alice, alice, boardId, UpstreamClient.AddRect("op-1", "s1"), eventId: "5"));
        var replay = upstream.User("addShape", "c-" + alice, alice, boardId, UpstreamClient.AddRect("op-2", "s2"), eventId: eventId == "same-event-id" ? "5" : "6");
        replay.Headers.Remove("ce-userId");
        replay.Headers.TryAddWithoutValidation("ce-userId", "mallory");

        using var response = await upstream.SendAsync(replay);

        Assert.Equal(1L, await UpstreamClient.SeqOfAsync(first));
        await BoardApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Single(await BoardApi.AllOpsAsync(client, boardId));
    }

    [Theory]
    [InlineData("another-board")]
    [InlineData("another-user")]
    [InlineData("another-connection")]
    [InlineData("unsigned-old-style")]
    [InlineData("foreign-key")]
    [InlineData("changed-byte")]
    public async Task AnOperation_WithAStateThisAppDidNotSealForItsConnectionAndUser_IsRefused_AndStoresNothing(string fault)
    {
        var (client, alice, boardId) = await BoardOfAliceAsync();
        using var _ = client;
        var otherBoard = await BoardApi.CreateAsync(client);
        using var upstream = Upstream();
        var connectionId = "c-" + alice;
        var state = fault switch
        {
            // Captured from alice's other connection, the one to another board.
            "another-board" => UpstreamEvents.SealedState(Key, otherBoard, connectionId + "-2", alice),
            // Sealed for this connection id, but for bob (as if captured when bob held it).
            "another-user" => UpstreamEvents.SealedState(Key, otherBoard, connectionId, "bob"),
            // Captured from bob's connection to the other board.
            "another-connection" => UpstreamEvents.SealedState(Key, otherBoard, "c-bob", "bob"),
            "unsigned-old-style" => Convert.ToBase64String(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { boardId = otherBoard, name = "Alice" })),
            "foreign-key" => UpstreamEvents.SealedState(ForeignKey, otherBoard, connectionId, alice),
            _ => ChangeBoardInPlace(UpstreamEvents.SealedState(Key, boardId, connectionId, alice), boardId, otherBoard),
        };

        using var response = await upstream.SendAsync(UpstreamEvents.EventMessage(
            upstream.EventHandler, Key, upstream.Hub, "azure.webpubsub.user.addShape", "addShape", connectionId, alice, state, UpstreamClient.AddRect("op-1", "s1")));

        await BoardApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(await BoardApi.AllOpsAsync(client, boardId));
        Assert.Empty(await BoardApi.AllOpsAsync(client, otherBoard));
    }

    [Theory]
    [InlineData("stale", 401)]
    [InlineData("future", 401)]
    [InlineData("unparseable", 400)]
    [InlineData("missing", 400)]
    public async Task AnEvent_WhoseCeTimeIsOutsideTheWindow_IsRefused_AndStoresNothing_ConnectIncluded(string fault, int status)
    {
        var (client, alice, boardId) = await BoardOfAliceAsync();
        using var _ = client;
        using var upstream = Upstream();
        var bob = LocalStack.UserIdOf(BoardApi.NewUser("bob"));
        var operation = upstream.User("addShape", "c-" + alice, alice, boardId, UpstreamClient.AddRect("op-1", "s1"));
        var connect = upstream.Connect("c-" + bob, bob, $$"""{"name":["Bob"],"webpubsub.group":["board.{{boardId}}"]}""");
        foreach (var request in new[] { operation, connect })
        {
            request.Headers.Remove("ce-time");
            if (fault != "missing")
            {
                request.Headers.TryAddWithoutValidation("ce-time", fault switch
                {
                    // Past the two-minute default, either way.
                    "stale" => UpstreamEvents.Time(DateTimeOffset.UtcNow.AddMinutes(-3)),
                    "future" => UpstreamEvents.Time(DateTimeOffset.UtcNow.AddMinutes(3)),
                    _ => "yesterday",
                });
            }
        }

        using var operationResponse = await upstream.SendAsync(operation);
        using var connectResponse = await upstream.SendAsync(connect);

        await BoardApi.ProblemAsync(operationResponse, (HttpStatusCode)status);
        await BoardApi.ProblemAsync(connectResponse, (HttpStatusCode)status);
        Assert.False(connectResponse.Headers.Contains("ce-connectionState"));
        Assert.Empty(await BoardApi.AllOpsAsync(client, boardId));
    }

    [Fact]
    public async Task ALegitimateRetry_SameEventIdAndBody_GetsTheFirstAnswer_AndIsCommittedOnce()
    {
        var (client, alice, boardId) = await BoardOfAliceAsync();
        using var _ = client;
        using var upstream = Upstream();
        var bob = LocalStack.UserIdOf(BoardApi.NewUser("bob"));
        var claims = $$"""{"name":["Bob"],"webpubsub.group":["board.{{boardId}}"]}""";
        var body = UpstreamClient.AddRect("op-1", "s1");

        // The service's retries: the same event id and body, a later ce-time.
        using var connect = await upstream.SendAsync(upstream.Connect("c-" + bob, bob, claims, eventId: "0"));
        using var connectRetry = await upstream.SendAsync(Later(upstream.Connect("c-" + bob, bob, claims, eventId: "0")));
        using var first = await upstream.SendAsync(upstream.User("addShape", "c-" + alice, alice, boardId, body, eventId: "9"));
        using var retry = await upstream.SendAsync(Later(upstream.User("addShape", "c-" + alice, alice, boardId, body, eventId: "9")));

        Assert.Equal(HttpStatusCode.OK, connectRetry.StatusCode);
        // The state is issued once: a connect that ran again would seal a new issue time.
        Assert.Equal(connect.Headers.GetValues("ce-connectionState"), connectRetry.Headers.GetValues("ce-connectionState"));
        Assert.Equal(await connect.Content.ReadAsStringAsync(), await connectRetry.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(["op-1"], (await BoardApi.AllOpsAsync(client, boardId)).Select(o => o.GetProperty("opId").GetString()));
    }

    /// <summary>The same request a second later, as a retry is: only ce-time differs.</summary>
    private static HttpRequestMessage Later(HttpRequestMessage request)
    {
        request.Headers.Remove("ce-time");
        request.Headers.TryAddWithoutValidation("ce-time", UpstreamEvents.Time(DateTimeOffset.UtcNow.AddSeconds(1)));
        return request;
    }

    /// <summary>The sealed state with its board id replaced by another of the same length, the tag left as it was.</summary>
    private static string ChangeBoardInPlace(string sealedState, string boardId, string otherBoard)
    {
        var text = System.Text.Encoding.Latin1.GetString(Convert.FromBase64String(sealedState));
        return Convert.ToBase64String(System.Text.Encoding.Latin1.GetBytes(text.Replace(boardId, otherBoard, StringComparison.Ordinal)));
    }

    private async Task<(HttpClient Client, string UserId, string BoardId)> BoardOfAliceAsync()
    {
        var name = BoardApi.NewUser("alice");
        var client = await Stack.SignInAsync(name);
        return (client, LocalStack.UserIdOf(name), await BoardApi.CreateAsync(client));
    }

    private UpstreamClient Upstream() => new(Stack, Key);
}
