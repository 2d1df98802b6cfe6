using System.Net;
using System.Text.Json;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Identity;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Collab.Functions.Tests.Events;

/// <summary>
/// The event handler's bounds on what one connection or user may cost (<c>EventHandler:*</c>), through the local
/// functions host and the real worker: called over HTTP as the service calls it (shared/protocols/web-pubsub.md §4),
/// and by the official @azure/web-pubsub-client through the Web PubSub emulator (conformance/limits.mjs).
/// </summary>
public sealed class EventHandlerLimitsTests(EventHandlerLimitsTests.LimitedStack fixture, ITestOutputHelper output) : IClassFixture<EventHandlerLimitsTests.LimitedStack>
{
    private const int Burst = 3;
    private const int Cap = 3;

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task OperationsBeyondTheBurst_Are429WithAProblem_StoreNothing_AndOtherConnectionsAreNotAffected()
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        using var upstream = new UpstreamClient(Stack, fixture.Emulators.WebPubSubOptions.AccessKey);
        var author = LocalStack.UserIdOf(aliceName);
        var boardId = await BoardApi.CreateAsync(alice);
        const int attempts = Burst + 5;

        // At one operation per second, a burst sent at once gets the bucket's few, and a refill or two at most.
        var responses = await Task.WhenAll(Enumerable.Range(0, attempts).Select(i =>
            upstream.SendAsync(upstream.User("addShape", "c1", author, boardId, UpstreamClient.AddRect($"op-{i}", $"s{i}")))));
        using var other = await upstream.SendAsync(upstream.User("addShape", "c2", author, boardId, UpstreamClient.AddRect("other", "o")));

        var accepted = new List<string>();
        var refused = 0;
        for (var i = 0; i < attempts; i++)
        {
            using var response = responses[i];
            if (response.StatusCode == HttpStatusCode.OK)
            {
                accepted.Add($"op-{i}");
                continue;
            }

            var problem = await BoardApi.ProblemAsync(response, HttpStatusCode.TooManyRequests);
            Assert.Equal("urn:collab:problem:too-many-operations", problem.GetProperty("type").GetString());
            Assert.Contains("at most 1 per second", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            refused++;
        }

        Assert.InRange(accepted.Count, Burst, Burst + 2);
        Assert.Equal(attempts - accepted.Count, refused);
        await UpstreamClient.SeqOfAsync(other);
        var stored = (await BoardApi.AllOpsAsync(alice, boardId)).Select(o => o.GetProperty("opId").GetString()).ToList();
        Assert.Equal([.. accepted, "other"], stored.Order());
    }

    [Fact]
    public async Task NodeClient_SeesTheRefusalInItsAck_AndItsOtherConnectionIsNotAffected()
    {
        var boardId = await NewBoardAsync();
        var user = NewUsers(boardId, 1);
        var accepted = Path.GetTempFileName();
        try
        {
            await NodeScript.AssertPassesAsync("limits.mjs", new Dictionary<string, string>
            {
                ["USERS"] = JsonSerializer.Serialize(user),
                ["BURST"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["OUT_FILE"] = accepted,
            }, "operationRate");

            var expected = JsonSerializer.Deserialize<List<string>>(await File.ReadAllTextAsync(accepted))!;
            var state = await Stack.Services.GetRequiredService<Collab.Boards.Live.LiveBoards>().GetCurrentAsync(boardId, CancellationToken.None);
            Assert.Equal(expected.Count, state.Seq);
            Assert.Equal(expected.Count, state.Shapes.Count);
        }
        finally
        {
            File.Delete(accepted);
        }
    }

    [Fact]
    public async Task OneTokenOpeningMoreConnectionsThanTheCap_OneByOneOrTogether_IsRefused429BeyondIt()
    {
        var boardId = await NewBoardAsync();

        await NodeScript.AssertPassesAsync("limits.mjs", new Dictionary<string, string>
        {
            ["USERS"] = JsonSerializer.Serialize(NewUsers(boardId, 2)),
            ["CAP"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, "connectionCap");
    }

    [Theory]
    [InlineData(50)]
    [InlineData(200)]
    public async Task ConnectionsJoiningOneBoard_CostPresenceMessagesLinearInTheirNumber(int connections)
    {
        var boardId = await NewBoardAsync();
        var result = Path.GetTempFileName();
        try
        {
            await NodeScript.AssertPassesAsync("limits.mjs", new Dictionary<string, string>
            {
                ["USERS"] = JsonSerializer.Serialize(NewUsers(boardId, connections)),
                ["OUT_FILE"] = result,
            }, TimeSpan.FromMinutes(3), "presence");

            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(result));
            var total = figures.RootElement.GetProperty("total").GetInt32();
            output.WriteLine($"{connections} connections: {total} presence messages delivered");
            // Without coalescing each join is told to everyone present: about N²/2 messages (1,275 for 50, 20,100 for
            // 200). Coalesced, a burst costs about 1.5 messages per join, more when the joins arrive in clumps with
            // pauses (each pause may let a broadcast go out): a loaded machine clumps 200 joins more than 50.
            Assert.InRange(total, connections, (connections <= 50 ? 3 : 5) * connections);
            Assert.All(figures.RootElement.GetProperty("final").EnumerateArray(), count => Assert.Equal(connections, count.GetInt32()));
        }
        finally
        {
            File.Delete(result);
        }
    }

    private async Task<string> NewBoardAsync()
    {
        var boardId = BoardApi.NewBoardId();
        await Stack.Services.GetRequiredService<BoardStore>().CreateOrUpdateAsync(
            new BoardMetadata(boardId, "Limits", BoardVisibility.Public, "owner", [], DateTimeOffset.UtcNow), "owner", CancellationToken.None);
        return boardId;
    }

    private List<object> NewUsers(string boardId, int count)
    {
        var issuer = Stack.Services.GetRequiredService<WebPubSubTokenIssuer>();
        return Enumerable.Range(0, count)
            .Select(i => BoardApi.NewUser("user" + i))
            .Select(id => (object)new { userId = id, name = id, url = issuer.Issue(new SignedInUser(id, id, "dev"), boardId, BoardRoles.Editor).Url.AbsoluteUri })
            .ToList();
    }

    /// <summary>A stack whose limits are small enough to reach in a test.</summary>
    public sealed class LimitedStack : IAsyncLifetime
    {
        private LocalStack? _stack;

        public EmulatorHost Emulators { get; } = new();

        internal LocalStack Stack => _stack ?? throw new InvalidOperationException("The stack has not started.");

        public async Task InitializeAsync()
        {
            await Emulators.InitializeAsync();
            _stack = await LocalStack.StartAsync(Emulators, settings =>
            {
                settings["EventHandler:OperationsPerSecond"] = "1";
                settings["EventHandler:OperationBurst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture);
                settings["EventHandler:ConnectionsPerUserPerBoard"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture);
            });
        }

        public async Task DisposeAsync()
        {
            if (_stack is not null)
            {
                await _stack.DisposeAsync();
            }

            await Emulators.DisposeAsync();
        }
    }
}
