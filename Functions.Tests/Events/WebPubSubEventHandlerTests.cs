using System.Text.Json;
using Collab.Functions.Boards;
using Collab.Functions.Events;
using Collab.Functions.Http;
using Collab.Functions.Tests.Boards;
using Collab.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Events;

/// <summary>
/// The upstream event handler called as the host would call it, with requests shaped and signed as
/// shared/protocols/web-pubsub.md §4 describes, over Azurite and the Web PubSub emulator's REST API.
/// </summary>
public sealed class WebPubSubEventHandlerTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private string Key => emulators.WebPubSubOptions.AccessKey;

    [Theory]
    [InlineData("127.0.0.1", 200)]
    [InlineData("evil.example", 400)]
    [InlineData("", 400)]
    public async Task Validation_AllowsOnlyOurWebPubSubHost(string origin, int status)
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var request = app.Request("OPTIONS", null);
        request.Headers["WebHook-Request-Origin"] = origin;
        request.Headers["ce-awpsversion"] = "1.0";

        var result = await Handler(app).Run(request, CancellationToken.None);

        var (actual, headers, _) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(status, actual);
        Assert.Equal(status == 200 ? "127.0.0.1" : "", headers["WebHook-Allowed-Origin"].ToString());
    }

    [Fact]
    public async Task Connect_AdmitsToTheTokensBoard_WithItsRolesAndState()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = await CreateBoardAsync(app, "owner");
        var request = UpstreamEvents.Connect(app, Key, "c1", "alice", Claims(boardId, name: "Alice"));

        var result = await Handler(app).Run(request, CancellationToken.None);

        var response = Assert.IsType<ConnectEventResponse>(Assert.IsType<OkObjectResult>(result).Value);
        var group = "board." + boardId;
        Assert.Equal("alice", response.UserId);
        Assert.Equal([group], response.Groups);
        Assert.Equal(["webpubsub.joinLeaveGroup." + group, "webpubsub.sendToGroup." + group], response.Roles);
        Assert.Equal("json.reliable.webpubsub.azure.v1", response.Subprotocol);
        Assert.Equal(new ConnectionState(boardId, "Alice"), ConnectionState.Decode(request.HttpContext.Response.Headers["ce-connectionState"]));
        Assert.Equal("Alice", (await app.Services.GetRequiredService<BoardMetadataStore>().GetPeopleAsync(boardId, CancellationToken.None))["alice"]);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"role":["webpubsub.joinLeaveGroup.board.a","webpubsub.sendToGroup.board.b"]}""")]
    [InlineData("""{"role":["webpubsub.joinLeaveGroup"],"webpubsub.group":["board.a"]}""")]
    [InlineData("""{"webpubsub.group":["lobby"]}""")]
    [InlineData("""{"webpubsub.group":["board.a b"]}""")]
    public async Task Connect_WithoutExactlyOneBoard_Is401(string claims)
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));

        var result = await Handler(app).Run(UpstreamEvents.Connect(app, Key, "c1", "alice", claims), CancellationToken.None);

        Assert.Equal(StatusCodes.Status401Unauthorized, Assert.IsType<ProblemResult>(result).StatusCode);
    }

    [Fact]
    public async Task Connect_PrivateBoard_AdmitsOwnerAndMembersOnly_AndUnknownBoardsNoOne()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = await CreateBoardAsync(app, "owner", visibility: "private", members: ["member"]);

        var owner = await Handler(app).Run(UpstreamEvents.Connect(app, Key, "c1", "owner", Claims(boardId)), CancellationToken.None);
        var member = await Handler(app).Run(UpstreamEvents.Connect(app, Key, "c2", "member", Claims(boardId)), CancellationToken.None);
        var stranger = await Handler(app).Run(UpstreamEvents.Connect(app, Key, "c3", "stranger", Claims(boardId)), CancellationToken.None);
        var unknown = await Handler(app).Run(UpstreamEvents.Connect(app, Key, "c4", "owner", Claims("no-such-board")), CancellationToken.None);

        Assert.IsType<OkObjectResult>(owner);
        Assert.IsType<OkObjectResult>(member);
        Assert.Equal(StatusCodes.Status403Forbidden, Assert.IsType<ProblemResult>(stranger).StatusCode);
        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsType<ProblemResult>(unknown).StatusCode);
    }

    [Fact]
    public async Task Operation_IsCommittedOnce_EvenWhenTheSameEventIsRetried()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = LiveBoardsTests.NewBoard();
        var body = AddShape("op-1", "s1");

        var first = await Handler(app).Run(UpstreamEvents.User(app, Key, "addShape", "c1", "alice", boardId, body, eventId: "7"), CancellationToken.None);
        var retry = await Handler(app).Run(UpstreamEvents.User(app, Key, "addShape", "c1", "alice", boardId, body, eventId: "7"), CancellationToken.None);
        var next = await Handler(app).Run(UpstreamEvents.User(app, Key, "addShape", "c1", "alice", boardId, AddShape("op-2", "s2"), eventId: "8"), CancellationToken.None);

        Assert.Equal(1L, Seq(first));
        Assert.Equal(1L, Seq(retry));
        Assert.Equal(2L, Seq(next));
        var ops = await LiveBoardsTests.AllOpsAsync(LiveBoardsTests.Live(app), boardId);
        Assert.Equal(["op-1", "op-2"], ops.Select(o => o.OpId));
        Assert.Equal("alice", ops[0].Author);
    }

    [Fact]
    public async Task SecondaryKey_SignsValidEvents()
    {
        var settings = CollabApp.Settings(emulators);
        settings["WebPubSub:SecondaryAccessKey"] = emulators.WebPubSubOptions.SecondaryAccessKey;
        await using var app = CollabApp.Start(settings);

        var result = await Handler(app).Run(UpstreamEvents.User(app, emulators.WebPubSubOptions.SecondaryAccessKey!, "chat", "c1", "alice", LiveBoardsTests.NewBoard(), """{"opId":"o1","text":"hi"}"""), CancellationToken.None);

        Assert.Equal(1L, Seq(result));
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
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = LiveBoardsTests.NewBoard();
        var key = fault == "forged" ? "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ" : Key;
        var eventName = fault == "unknown-event" ? "deleteEverything" : "addShape";
        var body = fault switch
        {
            "invalid-shape" => """{"opId":"o1","shape":{"id":"s1","kind":"hexagon","color":"#000000","width":1}}""",
            "oversize" => JsonSerializer.Serialize(new { opId = "o1", shape = new { id = "s", kind = "text", color = "#000000", width = 1, x = 0, y = 0, text = new string('x', 70_000) } }),
            _ => AddShape("o1", "s1"),
        };
        var request = fault == "wrong-hub"
            ? UpstreamEvents.Event(app, key, "azure.webpubsub.user.addShape", "addShape", "c1", "alice", new ConnectionState(boardId, "A"), body, hub: "otherhub")
            : UpstreamEvents.User(app, key, eventName, "c1", "alice", boardId, body);
        switch (fault)
        {
            case "no-signature":
                request.Headers.Remove("ce-signature");
                break;
            case "no-connection-id":
                request.Headers.Remove("ce-connectionId");
                break;
            case "text":
                request.ContentType = "text/plain";
                break;
            case "no-state":
                request.Headers.Remove("ce-connectionState");
                break;
        }

        var result = await Handler(app).Run(request, CancellationToken.None);

        var (actual, headers, problem) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(status, actual);
        Assert.StartsWith("application/problem+json", headers.ContentType.ToString());
        Assert.DoesNotContain(Key, problem);
        Assert.Equal(0, (await LiveBoardsTests.Live(app).GetCurrentAsync(boardId, CancellationToken.None)).Seq);
        Assert.All(app.Logs.Entries, entry => Assert.DoesNotContain(Key, entry));
    }

    internal static async Task<string> CreateBoardAsync(CollabApp app, string owner, string visibility = "public", string[]? members = null)
    {
        var boardId = LiveBoardsTests.NewBoard();
        var request = app.Request("PUT", owner, JsonSerializer.Serialize(new { title = "Board " + boardId, visibility, members }));
        var result = await app.Function<PutBoardFunction>().Run(request, boardId, CancellationToken.None);
        Assert.IsType<CreatedResult>(result);
        return boardId;
    }

    internal static string Claims(string boardId, string name = "Alice") =>
        $$"""{"sub":["x"],"name":["{{name}}"],"role":["webpubsub.joinLeaveGroup.board.{{boardId}}","webpubsub.sendToGroup.board.{{boardId}}"],"webpubsub.group":["board.{{boardId}}"]}""";

    internal static string AddShape(string opId, string shapeId) =>
        $$$"""{"opId":"{{{opId}}}","shape":{"id":"{{{shapeId}}}","kind":"rect","color":"#1e90ff","width":2,"x":10,"y":20,"w":30,"h":40}}""";

    private static long Seq(IActionResult result) =>
        JsonSerializer.SerializeToElement(Assert.IsType<OkObjectResult>(result).Value).GetProperty("seq").GetInt64();

    private static WebPubSubEventsFunction Handler(CollabApp app) => app.Function<WebPubSubEventsFunction>();
}
