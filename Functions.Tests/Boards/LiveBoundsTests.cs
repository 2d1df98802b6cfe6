using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;

namespace Collab.Functions.Tests.Boards;

/// <summary>
/// The bounds of the board engine through the real worker and the local host: health turns <c>Degraded</c> under
/// live budget pressure, the board size cap refuses an operation in the event handler, history reads are rate-limited.
/// </summary>
public sealed class LiveBoundsTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task ATinyLiveBudget_MakesHealthDegraded_200_WithTheReason()
    {
        await using var stack = await LocalStack.StartAsync(emulators, settings => settings["Boards:LiveMaxBytes"] = "1");
        using var owner = await stack.SignInAsync(BoardApi.NewUser("owner"));
        using var http = stack.Anonymous();
        var boardId = await BoardApi.CreateAsync(owner);

        // Loading the board takes the instance over a one-byte budget, so the board leaves as soon as it is released.
        await BoardApi.GetAsync(owner, boardId);
        using var after = await http.GetAsync("api/health");

        // Other boards in the shared Azurite may be loaded meanwhile (the snapshot timer visits them), so the counts are lower bounds.
        var degraded = await BoardApi.JsonAsync(after, HttpStatusCode.OK);
        Assert.Equal("Degraded", degraded.GetProperty("status").GetString());
        Assert.Matches("(^|; )[1-9][0-9]* evicted for budget in the last minute$", degraded.GetProperty("reason").GetString());
        var live = degraded.GetProperty("liveBoards");
        Assert.Equal(1L, live.GetProperty("maxBytes").GetInt64());
        Assert.True(live.GetProperty("byteBudgetEvictions").GetInt64() >= 1, live.ToString());
        Assert.All(degraded.GetProperty("dependencies").EnumerateObject(), d => Assert.True(d.Value.GetProperty("healthy").GetBoolean()));
    }

    /// <summary>
    /// An operation over the cap is answered with a 413 problem, which Web PubSub turns into a failed ack for the
    /// sender (shared/protocols/web-pubsub.md §4.7, error response; §6.4); nothing is stored, and removing makes room.
    /// </summary>
    [Fact]
    public async Task TheBoardSizeCap_RefusesTheOperationInTheEventHandler_With413_AndStoresNothing()
    {
        await using var board = await BoardOnStackAsync("Boards:MaxShapes", "2");
        var (upstream, alice, author, boardId) = (board.Upstream, board.Owner, board.OwnerId, board.BoardId);
        await upstream.CommitAsync(boardId, author, "addShape", UpstreamClient.AddRect("op-1", "s1"));
        await upstream.CommitAsync(boardId, author, "addShape", UpstreamClient.AddRect("op-2", "s2"));

        using var refused = await upstream.SendAsync(upstream.User("addShape", "c1", author, boardId, UpstreamClient.AddRect("op-3", "s3")));
        var problem = await BoardApi.ProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        var stored = await BoardApi.GetAsync(alice, boardId);
        var removed = await upstream.CommitAsync(boardId, author, "removeShape", """{"opId":"op-4","shapeId":"s1"}""");
        var added = await upstream.CommitAsync(boardId, author, "addShape", UpstreamClient.AddRect("op-3", "s3"));

        Assert.Equal("urn:collab:problem:board-too-large", problem.GetProperty("type").GetString());
        Assert.Contains("maximum of 2 shapes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["s1", "s2"], BoardApi.ShapeIds(stored));
        Assert.Equal(2, stored.GetProperty("state").GetProperty("seq").GetInt64());
        Assert.Equal((3L, 4L), (removed, added));
        Assert.Equal(["s2", "s3"], BoardApi.ShapeIds(await BoardApi.GetAsync(alice, boardId)));
    }

    [Fact]
    public async Task HistoryReads_AreRateLimitedPerUser_WhileTheCurrentBoardIsNot()
    {
        await using var board = await BoardOnStackAsync("RateLimit:PermitsPerMinute", "2");
        var (alice, boardId) = (board.Owner, board.BoardId);
        await board.Upstream.CommitAsync(boardId, board.OwnerId, "addShape", UpstreamClient.AddRect("o1", "s1"));

        var atSeq = await BoardApi.GetAsync(alice, boardId, "?atSeq=1");
        using var export = await alice.GetAsync($"api/boards/{boardId}/export.svg?atSeq=1");
        using var third = await alice.GetAsync($"api/boards/{boardId}?atSeq=1");
        var current = await BoardApi.GetAsync(alice, boardId);

        Assert.Equal(1, atSeq.GetProperty("state").GetProperty("seq").GetInt64());
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var problem = await BoardApi.ProblemAsync(third, (HttpStatusCode)429);
        Assert.Equal("urn:collab:problem:rate-limited", problem.GetProperty("type").GetString());
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal(1, current.GetProperty("state").GetProperty("seq").GetInt64());
    }

    /// <summary>A stack started with one setting changed, a signed-in owner, a board of theirs and an upstream client.</summary>
    private async Task<BoardOnStack> BoardOnStackAsync(string setting, string value)
    {
        var stack = await LocalStack.StartAsync(emulators, settings => settings[setting] = value);
        var ownerName = BoardApi.NewUser("alice");
        var owner = await stack.SignInAsync(ownerName);
        return new BoardOnStack(stack, new UpstreamClient(stack, emulators.WebPubSubOptions.AccessKey), owner, LocalStack.UserIdOf(ownerName), await BoardApi.CreateAsync(owner));
    }

    private sealed record BoardOnStack(LocalStack Stack, UpstreamClient Upstream, HttpClient Owner, string OwnerId, string BoardId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Upstream.Dispose();
            Owner.Dispose();
            await Stack.DisposeAsync();
        }
    }
}
