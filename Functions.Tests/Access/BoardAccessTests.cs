using System.Net;
using System.Net.Http.Json;
using Collab.Boards.Log;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Access;

/// <summary>
/// Access on the live path, as an attacker with a valid connection would try it: every operation is checked against
/// the board as it is now (shared/protocols/web-pubsub.md §4: Web PubSub checks a token only at connect), so a
/// removed member, a viewer and a board that does not exist get nothing stored; and a change of members cuts off the
/// live connections of the users it excludes, for the unmodified official client too.
/// </summary>
public sealed class BoardAccessTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task AnOperationForABoardThatDoesNotExist_Is404_AndNothingIsStored()
    {
        using var upstream = Upstream();
        var phantom = BoardApi.NewBoardId();

        using var response = await upstream.SendAsync(upstream.User("addShape", "c1", "mallory", phantom, UpstreamClient.AddRect("o1", "s1")));

        await BoardApi.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Empty(await Stack.Services.GetRequiredService<ILogSegments>().ListAsync(phantom, CancellationToken.None));
        // Whoever creates the id later inherits nothing.
        using var owner = await Stack.SignInAsync(BoardApi.NewUser("owner"));
        using (var created = await owner.PutAsJsonAsync($"api/boards/{phantom}", new { title = "late" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Empty(await BoardApi.AllOpsAsync(owner, phantom));
    }

    [Fact]
    public async Task AViewersOperation_Is403_AndNothingIsStored()
    {
        var (owner, boardId) = await PrivateBoardAsync(("viewer", "viewer"));
        using var upstream = Upstream();

        using var response = await upstream.SendAsync(upstream.User("addShape", "c1", LocalStack.UserIdOf("viewer-" + boardId), boardId, UpstreamClient.AddRect("o1", "s1")));

        var problem = await BoardApi.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("Viewers cannot change the board", problem.GetProperty("detail").GetString());
        Assert.Empty(await BoardApi.AllOpsAsync(owner, boardId));
    }

    [Fact]
    public async Task ARemovedMembersConnection_CanCommitNothing_AndNewMembersCan()
    {
        var (owner, boardId) = await PrivateBoardAsync(("bob", "editor"));
        var bob = LocalStack.UserIdOf("bob-" + boardId);
        using var upstream = Upstream();
        Assert.Equal(1L, await upstream.CommitAsync(boardId, bob, "addShape", UpstreamClient.AddRect("before", "s1")));

        await PutMembersAsync(owner, boardId);
        using var after = await upstream.SendAsync(upstream.User("addShape", "c-" + bob, bob, boardId, UpstreamClient.AddRect("after", "s2")));

        await BoardApi.ProblemAsync(after, HttpStatusCode.Forbidden);
        Assert.Equal([1L], (await BoardApi.AllOpsAsync(owner, boardId)).Select(o => o.GetProperty("seq").GetInt64()));
    }

    /// <summary>
    /// The unmodified <c>@azure/web-pubsub-client</c>, through the emulator whose hub calls this stack: a member is
    /// removed while connected, and again while its reliable connection is recovering from a dropped socket (recovery
    /// skips <c>connect</c>). Either way it is cut off within a second, hears none of the owner's later operations,
    /// cannot commit, and negotiate refuses it.
    /// </summary>
    [Theory]
    [InlineData("whileConnected")]
    [InlineData("afterDrop")]
    public async Task RemovingAMember_CutsOffItsLiveConnection(string scenario)
    {
        var ownerName = BoardApi.NewUser("owner");
        var memberName = BoardApi.NewUser("member");
        using var owner = await Stack.SignInAsync(ownerName);
        var boardId = BoardApi.NewBoardId();
        using (var created = await owner.PutAsJsonAsync($"api/boards/{boardId}", new { title = "t", visibility = "private", members = new[] { LocalStack.UserIdOf(memberName) } }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await NodeScript.AssertPassesAsync("revocation.mjs", new Dictionary<string, string>
        {
            ["BASE_URL"] = Stack.BaseAddress.AbsoluteUri.TrimEnd('/'),
            ["BOARD_ID"] = boardId,
            ["OWNER_COOKIE"] = await CookieOfAsync(ownerName),
            ["MEMBER_COOKIE"] = await CookieOfAsync(memberName),
        }, scenario);
    }

    private UpstreamClient Upstream() => new(Stack, fixture.Emulators.WebPubSubOptions.AccessKey);

    private async Task<(HttpClient Owner, string BoardId)> PrivateBoardAsync(params (string Name, string Role)[] members)
    {
        var owner = await Stack.SignInAsync(BoardApi.NewUser("owner"));
        var boardId = BoardApi.NewBoardId();
        using var created = await owner.PutAsJsonAsync($"api/boards/{boardId}", new
        {
            title = "t",
            visibility = "private",
            members = members.Select(m => new { userId = LocalStack.UserIdOf(m.Name + "-" + boardId), role = m.Role }).ToArray(),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (owner, boardId);
    }

    private static async Task PutMembersAsync(HttpClient owner, string boardId, params (string Name, string Role)[] members)
    {
        using var response = await owner.PutAsJsonAsync($"api/boards/{boardId}", new
        {
            title = "t",
            visibility = "private",
            members = members.Select(m => new { userId = LocalStack.UserIdOf(m.Name + "-" + boardId), role = m.Role }).ToArray(),
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> CookieOfAsync(string name)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Stack.BaseAddress };
        using var signIn = await http.PostAsync("/.auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = name }));
        return string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
    }
}
