using System.Net;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Communication;

/// <summary>
/// The board's <c>chat</c> operation is retired: chat lives in the board's ACS thread. A new one is refused (400
/// <c>chat-moved</c>) and nothing is stored; a log written before, with chat in it, still loads, shows its chat and
/// exports.
/// </summary>
public sealed class ChatOperationRetiredTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task ANewChatOperation_Is400ChatMoved_AndNothingIsStored()
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        var boardId = await BoardApi.CreateAsync(alice);
        using var upstream = new UpstreamClient(Stack, fixture.Emulators.WebPubSubOptions.AccessKey);

        using var response = await upstream.SendAsync(upstream.User("chat", "c1", LocalStack.UserIdOf(aliceName), boardId, """{"opId":"o1","text":"hi"}"""));

        var problem = await BoardApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("urn:collab:problem:chat-moved", problem.GetProperty("type").GetString());
        Assert.Empty(await BoardApi.AllOpsAsync(alice, boardId));
    }

    [Fact]
    public async Task AnOldLogWithChat_StillLoadsShowsAndExportsIt()
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        var boardId = await BoardApi.CreateAsync(alice);
        using var upstream = new UpstreamClient(Stack, fixture.Emulators.WebPubSubOptions.AccessKey);

        // Written as the app wrote chat before it moved: a logged chat operation, here by another instance of the app.
        var committer = Stack.Services.GetRequiredService<BoardCommitter>();
        await committer.CommitAsync(boardId, LocalStack.UserIdOf(aliceName), new IncomingOperation("old-chat", new PostChat("from the old days")), CancellationToken.None);
        Assert.Equal(2L, await upstream.CommitAsync(boardId, LocalStack.UserIdOf(aliceName), "addShape", UpstreamClient.AddRect("o2", "s1")));

        var board = await BoardApi.GetAsync(alice, boardId);
        var atSeq = await BoardApi.GetAsync(alice, boardId, "?atSeq=1");
        var ops = await BoardApi.AllOpsAsync(alice, boardId);
        using var svg = await alice.GetAsync($"api/boards/{boardId}/export.svg");

        var chat = Assert.Single(board.GetProperty("state").GetProperty("chat").EnumerateArray());
        Assert.Equal("from the old days", chat.GetProperty("text").GetString());
        Assert.Equal("from the old days", Assert.Single(atSeq.GetProperty("state").GetProperty("chat").EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal(["chat", "addShape"], ops.Select(o => o.GetProperty("op").GetProperty("type").GetString()));
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Contains("<rect", await svg.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
