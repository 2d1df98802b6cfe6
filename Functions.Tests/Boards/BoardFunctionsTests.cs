using System.Text;
using System.Text.Json;
using Collab.Functions.Boards;
using Collab.Functions.Http;
using Collab.Functions.Tests.Events;
using Collab.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Boards;

/// <summary>The board HTTP API, called as the host calls it, over Azurite and the Web PubSub emulator.</summary>
public sealed class BoardFunctionsTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

    [Fact]
    public async Task Put_CreatesForTheCaller_UpdatesForTheOwner_AndRefusesOthers()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = LiveBoardsTests.NewBoard();

        var created = await Put(app, "alice", boardId, """{"title":"Plan","visibility":"private","members":["bob"]}""");
        var updated = await Put(app, "alice", boardId, """{"title":"Plan v2","visibility":"private","members":["bob","carol"]}""");
        var taken = await Put(app, "mallory", boardId, """{"title":"Mine"}""");

        var board = Assert.IsType<BoardMetadata>(Assert.IsType<CreatedResult>(created).Value);
        Assert.Equal("alice", board.OwnerId);
        Assert.NotEqual(Guid.Empty, board.CallId);
        var after = Assert.IsType<BoardMetadata>(Assert.IsType<OkObjectResult>(updated).Value);
        Assert.Equal(("Plan v2", board.CallId, board.CreatedOn), (after.Title, after.CallId, after.CreatedOn));
        Assert.Equal(["bob", "carol"], after.Members);
        Assert.Equal(StatusCodes.Status409Conflict, Assert.IsType<ProblemResult>(taken).StatusCode);
    }

    [Theory]
    [InlineData("""{"title":""}""")]
    [InlineData("""{"title":"x","visibility":"secret"}""")]
    [InlineData("""{"title":"x","owner":"someone"}""")]
    [InlineData("""not json""")]
    public async Task Put_BadBodies_Are400_AndCreateNothing(string body)
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = LiveBoardsTests.NewBoard();

        var result = await Put(app, "alice", boardId, body);

        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ProblemResult>(result).StatusCode);
        Assert.Null(await app.Services.GetRequiredService<BoardMetadataStore>().GetAsync(boardId, CancellationToken.None));
    }

    [Fact]
    public async Task EveryBoardEndpoint_AppliesTheConnectAccessRule()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = await WebPubSubEventHandlerTests.CreateBoardAsync(app, "alice", "private", ["bob"]);
        var calls = new Func<string, Task<IActionResult>>[]
        {
            user => app.Function<GetBoardFunction>().Run(app.Request("GET", user), boardId, CancellationToken.None),
            user => app.Function<GetOpsFunction>().Run(app.Request("GET", user, query: "?after=0"), boardId, CancellationToken.None),
            user => app.Function<ListSnapshotsFunction>().Run(app.Request("GET", user), boardId, CancellationToken.None),
            user => app.Function<ExportSvgFunction>().Run(app.Request("GET", user), boardId, CancellationToken.None),
            user => app.Function<GetBackgroundFunction>().Run(app.Request("GET", user), boardId, CancellationToken.None),
            async user => (await app.Function<CreateSnapshotFunction>().Run(app.Request("POST", user, query: "?seq=1"), boardId, CancellationToken.None)).Result,
            user => PutBackground(app, user, boardId, Png),
        };

        foreach (var call in calls)
        {
            Assert.Equal(StatusCodes.Status403Forbidden, Assert.IsType<ProblemResult>(await call("mallory")).StatusCode);
            Assert.NotEqual(StatusCodes.Status403Forbidden, (await call("bob")) is ProblemResult p ? p.StatusCode : 200);
        }

        var unknown = await app.Function<GetBoardFunction>().Run(app.Request("GET", "alice"), "no-such-board", CancellationToken.None);
        var anonymous = await app.Function<GetBoardFunction>().Run(app.Request("GET", null), boardId, CancellationToken.None);
        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsType<ProblemResult>(unknown).StatusCode);
        Assert.Equal(StatusCodes.Status401Unauthorized, Assert.IsType<ProblemResult>(anonymous).StatusCode);
    }

    [Fact]
    public async Task Get_AtSeq_Ops_AndExport_ShowTheBoardThroughItsHistory()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = await WebPubSubEventHandlerTests.CreateBoardAsync(app, "alice");
        var live = LiveBoardsTests.Live(app);
        await live.CommitAsync(boardId, "alice", LiveBoardsTests.AddRect("s1", 1), CancellationToken.None);
        await live.CommitAsync(boardId, "alice", LiveBoardsTests.AddRect("s2", 2), CancellationToken.None);
        await live.CommitAsync(boardId, "bob", new IncomingOperation("t", new BoardOperation
        {
            Type = BoardOperationTypes.AddShape,
            Shape = new Shape { Id = "t1", Kind = "text", Color = "#000000", Width = 1, X = 0, Y = 50, Text = "<script>", FontSize = 16 },
        }), CancellationToken.None);

        var now = await Get(app, boardId, "");
        var atOne = await Get(app, boardId, "?atSeq=1");
        var ops = Assert.IsType<OpsPage>(Assert.IsType<OkObjectResult>(await app.Function<GetOpsFunction>().Run(app.Request("GET", "bob", query: "?after=1"), boardId, CancellationToken.None)).Value);
        var svgRequest = app.Request("GET", "bob", query: "?atSeq=2");
        var (status, headers, svg) = await CollabApp.ExecuteAsync(await app.Function<ExportSvgFunction>().Run(svgRequest, boardId, CancellationToken.None), svgRequest);
        var fullSvg = Assert.IsType<ContentResult>(await app.Function<ExportSvgFunction>().Run(app.Request("GET", "bob"), boardId, CancellationToken.None)).Content!;
        var beyond = await app.Function<GetBoardFunction>().Run(app.Request("GET", "bob", query: "?atSeq=4"), boardId, CancellationToken.None);
        var malformed = await app.Function<GetBoardFunction>().Run(app.Request("GET", "bob", query: "?atSeq=-1"), boardId, CancellationToken.None);

        Assert.Equal(["s1", "s2", "t1"], now.State.Shapes.Select(s => s.Id));
        Assert.Equal(["s1"], atOne.State.Shapes.Select(s => s.Id));
        Assert.Equal(1, atOne.State.Seq);
        Assert.Equal([2L, 3], ops.Ops.Select(o => o.Seq));
        Assert.Equal(200, status);
        Assert.StartsWith("image/svg+xml", headers.ContentType.ToString());
        Assert.Equal(2, System.Xml.Linq.XDocument.Parse(svg).Root!.Elements().Count(e => e.Name.LocalName == "rect"));
        Assert.Contains("&lt;script&gt;", fullSvg);
        Assert.DoesNotContain("<script>", fullSvg);
        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ProblemResult>(beyond).StatusCode);
        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ProblemResult>(malformed).StatusCode);
    }

    [Fact]
    public async Task CreateSnapshot_HandsTheBlobOutputAnIntactSnapshotAtSeq()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = await WebPubSubEventHandlerTests.CreateBoardAsync(app, "alice");
        for (var i = 0; i < 4; i++)
        {
            await LiveBoardsTests.Live(app).CommitAsync(boardId, "alice", LiveBoardsTests.AddRect("s" + i, i), CancellationToken.None);
        }

        var output = await app.Function<CreateSnapshotFunction>().Run(app.Request("POST", "alice", query: "?seq=3"), boardId, CancellationToken.None);
        var missingSeq = await app.Function<CreateSnapshotFunction>().Run(app.Request("POST", "alice"), boardId, CancellationToken.None);
        var beyond = await app.Function<CreateSnapshotFunction>().Run(app.Request("POST", "alice", query: "?seq=9"), boardId, CancellationToken.None);

        Assert.Equal($"/api/boards/{boardId}/snapshots/3", Assert.IsType<CreatedResult>(output.Result).Location);
        var snapshot = SnapshotFormat.Read(Encoding.UTF8.GetBytes(output.Snapshot!), boardId, 3);
        Assert.NotNull(snapshot);
        Assert.Equal(["s0", "s1", "s2"], snapshot.State.Shapes.Select(s => s.Id));
        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ProblemResult>(missingSeq.Result).StatusCode);
        Assert.Null(missingSeq.Snapshot);
        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ProblemResult>(beyond.Result).StatusCode);
        Assert.Null(beyond.Snapshot);
    }

    [Fact]
    public async Task SnapshotTimer_SnapshotsOnlyBoardsWithNewOperations_AndHistoryListsThem()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = await WebPubSubEventHandlerTests.CreateBoardAsync(app, "alice");
        await LiveBoardsTests.Live(app).CommitAsync(boardId, "alice", LiveBoardsTests.AddRect("s", 1), CancellationToken.None);

        await app.Function<SnapshotTimerFunction>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
        await app.Function<SnapshotTimerFunction>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
        await LiveBoardsTests.Live(app).CommitAsync(boardId, "alice", LiveBoardsTests.AddRect("t", 2), CancellationToken.None);
        await app.Function<SnapshotTimerFunction>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        var history = Assert.IsAssignableFrom<IReadOnlyList<SnapshotInfo>>(Assert.IsType<OkObjectResult>(
            await app.Function<ListSnapshotsFunction>().Run(app.Request("GET", "alice"), boardId, CancellationToken.None)).Value);
        Assert.Equal([1L, 2], history.Select(s => s.Seq));
        Assert.All(history, s => Assert.True(s.Bytes > 0));
    }

    [Fact]
    public async Task Background_AcceptsImagesByMagicBytes_AnnouncesThem_AndRefusesTheRest()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boardId = await WebPubSubEventHandlerTests.CreateBoardAsync(app, "alice");

        var stored = await PutBackground(app, "alice", boardId, Png);
        var again = await PutBackground(app, "alice", boardId, Png);
        var html = await PutBackground(app, "alice", boardId, "<html><body>not an image</body></html>"u8.ToArray());
        var huge = await PutBackground(app, "alice", boardId, [.. Png, .. new byte[BackgroundImage.MaxBytes]]);
        var fetched = Assert.IsType<FileContentResult>(await app.Function<GetBackgroundFunction>().Run(app.Request("GET", "alice"), boardId, CancellationToken.None));

        Assert.Equal(1L, JsonSerializer.SerializeToElement(Assert.IsType<OkObjectResult>(stored).Value).GetProperty("Seq").GetInt64());
        Assert.Equal(1L, JsonSerializer.SerializeToElement(Assert.IsType<OkObjectResult>(again).Value).GetProperty("Seq").GetInt64());
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, Assert.IsType<ProblemResult>(html).StatusCode);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, Assert.IsType<ProblemResult>(huge).StatusCode);
        Assert.Equal("image/png", fetched.ContentType);
        Assert.Equal(Png, fetched.FileContents);
        var state = await Get(app, boardId, "");
        Assert.Equal(1, state.State.Seq);
        Assert.NotNull(state.State.Background.Image);
    }

    private static async Task<IActionResult> Put(CollabApp app, string user, string boardId, string body) =>
        await app.Function<PutBoardFunction>().Run(app.Request("PUT", user, body), boardId, CancellationToken.None);

    private static async Task<BoardResponse> Get(CollabApp app, string boardId, string query) =>
        Assert.IsType<BoardResponse>(Assert.IsType<OkObjectResult>(await app.Function<GetBoardFunction>().Run(app.Request("GET", "bob", query: query), boardId, CancellationToken.None)).Value);

    private static Task<IActionResult> PutBackground(CollabApp app, string user, string boardId, byte[] image)
    {
        var request = app.Request("PUT", user);
        request.Body = new MemoryStream(image);
        request.ContentLength = image.Length;
        request.ContentType = "image/png";
        return app.Function<PutBackgroundFunction>().Run(request, boardId, CancellationToken.None);
    }
}
