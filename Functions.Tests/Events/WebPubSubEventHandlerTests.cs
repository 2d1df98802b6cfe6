using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Collab.Boards.Storage;
using Collab.Functions.Boards;
using Collab.Functions.Hub;
using Collab.Functions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Events;

/// <summary>
/// The upstream event handler through the local functions host and the real worker, called over HTTP with requests
/// shaped and signed as shared/protocols/web-pubsub.md §4 describes, over Azurite and the Web PubSub emulator's REST
/// API. Boards are created and read through the board API.
/// </summary>
public sealed class WebPubSubEventHandlerTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private LocalStack Stack => fixture.Stack;

    private string Key => fixture.Emulators.WebPubSubOptions.AccessKey;

    [Theory]
    [InlineData("127.0.0.1", 200)]
    [InlineData("evil.example", 400)]
    [InlineData("", 400)]
    public async Task Validation_AllowsOnlyOurWebPubSubHost(string origin, int status)
    {
        using var upstream = Upstream();
        // The abuse-protection handshake (§4.1) as the service sends it.
        var request = new HttpRequestMessage(HttpMethod.Options, upstream.EventHandler);
        request.Headers.TryAddWithoutValidation("WebHook-Request-Origin", origin);
        request.Headers.TryAddWithoutValidation("ce-awpsversion", "1.0");

        using var response = await upstream.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(status == 200 ? "127.0.0.1" : "", response.Headers.TryGetValues("WebHook-Allowed-Origin", out var allowed) ? string.Join(",", allowed) : "");
    }

    [Fact]
    public async Task Connect_AdmitsToTheTokensBoard_WithItsRolesAndState()
    {
        using var owner = await Stack.SignInAsync(BoardApi.NewUser("owner"));
        using var upstream = Upstream();
        var alice = LocalStack.UserIdOf(BoardApi.NewUser("alice"));
        var boardId = await BoardApi.CreateAsync(owner);

        using var response = await upstream.SendAsync(upstream.Connect("c1", alice, Claims(boardId, name: "Alice")));

        var body = await BoardApi.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(alice, body.GetProperty("userId").GetString());
        // Both groups are joined at connect; the only right is sending previews: the server group is the server's.
        Assert.Equal(["board." + boardId, "preview." + boardId], Strings(body.GetProperty("groups")));
        Assert.Equal(["webpubsub.sendToGroup.preview." + boardId], Strings(body.GetProperty("roles")));
        Assert.Equal("json.reliable.webpubsub.azure.v1", body.GetProperty("subprotocol").GetString());
        var state = new ConnectionStateSealer([Key]).Open(string.Join(",", response.Headers.GetValues("ce-connectionState")));
        Assert.Equal(new ConnectionState(boardId, "Alice", "editor", "c1", alice, state!.IssuedAt), state);
        // The name is kept for presence, which only Web PubSub group members see: read it from storage.
        Assert.Equal("Alice", (await Stack.Services.GetRequiredService<BoardStore>().GetPeopleAsync(boardId, CancellationToken.None))[alice]);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"role":["webpubsub.joinLeaveGroup.board.a","webpubsub.sendToGroup.board.b"]}""")]
    [InlineData("""{"role":["webpubsub.joinLeaveGroup"],"webpubsub.group":["board.a"]}""")]
    [InlineData("""{"role":["webpubsub.sendToGroup.preview.a"],"webpubsub.group":["board.b"]}""")]
    [InlineData("""{"webpubsub.group":["lobby"]}""")]
    [InlineData("""{"webpubsub.group":["board.a b"]}""")]
    public async Task Connect_WithoutExactlyOneBoard_Is401(string claims)
    {
        using var upstream = Upstream();

        using var response = await upstream.SendAsync(upstream.Connect("c1", LocalStack.UserIdOf(BoardApi.NewUser("alice")), claims));

        await BoardApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Connect_PrivateBoard_AdmitsOwnerAndMembersOnly_AndUnknownBoardsNoOne()
    {
        var ownerName = BoardApi.NewUser("owner");
        var member = LocalStack.UserIdOf(BoardApi.NewUser("member"));
        using var ownerClient = await Stack.SignInAsync(ownerName);
        using var upstream = Upstream();
        var owner = LocalStack.UserIdOf(ownerName);
        var boardId = await BoardApi.CreateAsync(ownerClient, "private", member);

        using var ownerResponse = await upstream.SendAsync(upstream.Connect("c1", owner, Claims(boardId)));
        using var memberResponse = await upstream.SendAsync(upstream.Connect("c2", member, Claims(boardId)));
        using var stranger = await upstream.SendAsync(upstream.Connect("c3", LocalStack.UserIdOf(BoardApi.NewUser("stranger")), Claims(boardId)));
        using var unknown = await upstream.SendAsync(upstream.Connect("c4", owner, Claims(BoardApi.NewBoardId())));

        Assert.Equal(owner, (await BoardApi.JsonAsync(ownerResponse, HttpStatusCode.OK)).GetProperty("userId").GetString());
        Assert.Equal(member, (await BoardApi.JsonAsync(memberResponse, HttpStatusCode.OK)).GetProperty("userId").GetString());
        await BoardApi.ProblemAsync(stranger, HttpStatusCode.Forbidden);
        await BoardApi.ProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Operation_IsCommittedOnce_EvenWhenTheSameEventIsRetried()
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        using var upstream = Upstream();
        var author = LocalStack.UserIdOf(aliceName);
        var boardId = await BoardApi.CreateAsync(alice);
        var body = UpstreamClient.AddRect("op-1", "s1");

        using var first = await upstream.SendAsync(upstream.User("addShape", "c1", author, boardId, body, eventId: "7"));
        using var retry = await upstream.SendAsync(upstream.User("addShape", "c1", author, boardId, body, eventId: "7"));
        using var next = await upstream.SendAsync(upstream.User("addShape", "c1", author, boardId, UpstreamClient.AddRect("op-2", "s2"), eventId: "8"));

        Assert.Equal(1L, await UpstreamClient.SeqOfAsync(first));
        Assert.Equal(1L, await UpstreamClient.SeqOfAsync(retry));
        Assert.Equal(2L, await UpstreamClient.SeqOfAsync(next));
        var ops = await BoardApi.AllOpsAsync(alice, boardId);
        Assert.Equal(["op-1", "op-2"], ops.Select(o => o.GetProperty("opId").GetString()));
        Assert.Equal(author, ops[0].GetProperty("author").GetString());
    }

    [Fact]
    public async Task SecondaryKey_SignsValidEvents()
    {
        // The worker must know the secondary key, which the shared stack does not give it.
        var secondary = fixture.Emulators.WebPubSubOptions.SecondaryAccessKey!;
        await using var stack = await LocalStack.StartAsync(fixture.Emulators, settings => settings["WebPubSub:SecondaryAccessKey"] = secondary);
        using var upstream = new UpstreamClient(stack, secondary);
        using var owner = await stack.SignInAsync(BoardApi.NewUser("owner"));
        var boardId = await BoardApi.CreateAsync(owner);

        using var response = await upstream.SendAsync(upstream.User("addShape", "c1", "alice", boardId, UpstreamClient.AddRect("o1", "s1")));

        Assert.Equal(1L, await UpstreamClient.SeqOfAsync(response));
    }

    [Theory]
    [InlineData("forged", 401)]
    [InlineData("no-signature", 401)]
    [InlineData("wrong-hub", 400)]
    [InlineData("no-connection-id", 400)]
    [InlineData("invalid-shape", 400)]
    [InlineData("unknown-event", 400)]
    [InlineData("oversize", 413)]
    [InlineData("text", 415)]
    [InlineData("no-state", 400)]
    public async Task BadEvents_GetTheir4xx_AndStoreNothing(string fault, int status)
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        using var upstream = Upstream();
        var author = LocalStack.UserIdOf(aliceName);
        // The board exists, so that nothing but the fault can be the reason for the refusal.
        var boardId = await BoardApi.CreateAsync(alice);
        var key = fault == "forged" ? "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ" : Key;
        var eventName = fault == "unknown-event" ? "deleteEverything" : "addShape";
        var body = fault switch
        {
            "invalid-shape" => """{"opId":"o1","shape":{"id":"s1","kind":"hexagon","color":"#000000","width":1}}""",
            "oversize" => JsonSerializer.Serialize(new { opId = "o1", shape = new { id = "s", kind = "text", color = "#000000", width = 1, x = 0, y = 0, text = new string('x', 70_000) } }),
            _ => UpstreamClient.AddRect("o1", "s1"),
        };
        var request = fault == "wrong-hub"
            ? UpstreamEvents.EventMessage(upstream.EventHandler, key, "otherhub", "azure.webpubsub.user.addShape", "addShape", "c1", author, UpstreamEvents.SealedState(key, boardId, "c1", author), body)
            : UpstreamEvents.UserMessage(upstream.EventHandler, key, upstream.Hub, eventName, "c1", author, boardId, body);
        switch (fault)
        {
            case "no-signature":
                request.Headers.Remove("ce-signature");
                break;
            case "no-connection-id":
                request.Headers.Remove("ce-connectionId");
                break;
            case "text":
                request.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
                break;
            case "no-state":
                request.Headers.Remove("ce-connectionState");
                break;
        }

        using var response = await upstream.SendAsync(request);

        var problem = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString());
        Assert.DoesNotContain(Key, problem);
        Assert.Equal(0, (await BoardApi.GetAsync(alice, boardId)).GetProperty("state").GetProperty("seq").GetInt64());
        Assert.Empty(await BoardApi.AllOpsAsync(alice, boardId));
        Assert.All(fixture.Logs.Entries, entry => Assert.DoesNotContain(Key, entry));
    }

    private static string Claims(string boardId, string name = "Alice") =>
        $$"""{"sub":["x"],"name":["{{name}}"],"role":["webpubsub.sendToGroup.preview.{{boardId}}"],"webpubsub.group":["board.{{boardId}}","preview.{{boardId}}"]}""";

    private static IEnumerable<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString());

    private UpstreamClient Upstream() => new(Stack, Key);
}
