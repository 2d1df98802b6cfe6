using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Boards;
using Collab.Functions.Identity;
using Collab.Functions.Tests.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Events;

/// <summary>
/// Three whiteboard clients on the official @azure/web-pubsub-client, through the Web PubSub emulator, whose hub
/// calls our event handler over HTTP through the local functions host; storage is Azurite.
/// </summary>
public sealed class WhiteboardEndToEndTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task ThreeClients_SeeEachOther_ReceiveEveryOpInOrder_AndTheBoardOutlivesThem()
    {
        const int opsPerClient = 5;
        await using var stack = await LocalStack.StartAsync(emulators);
        var (boardId, users) = await CreateBoardAsync(stack, ["alice", "bob", "carol"]);

        var views = Path.GetTempFileName();
        try
        {
            await NodeScript.AssertPassesAsync("whiteboard.mjs", new Dictionary<string, string>
            {
                ["USERS"] = users,
                ["OPS_PER_CLIENT"] = opsPerClient.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["OUT_FILE"] = views,
            }, "threeClients");

            var total = (3 * opsPerClient) + 3;
            var state = await stack.Services.GetRequiredService<LiveBoards>().GetCurrentAsync(boardId, CancellationToken.None);
            Assert.Equal(total, state.Seq);
            var stored = JsonSerializer.SerializeToNode(state.Shapes, BoardJson.Options);
            foreach (var clientView in JsonNode.Parse(await File.ReadAllTextAsync(views))!.AsArray())
            {
                Assert.True(JsonNode.DeepEquals(stored, clientView!["shapes"]), $"{clientView["userId"]} saw {clientView["shapes"]}, the board holds {stored}");
            }

            Assert.Equal("#ffeecc", state.Background.Color);
            var snapshots = stack.Services.GetRequiredService<BoardStore>();
            await Eventually.UntilAsync(async () => (await snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Any(s => s.Seq == total), TimeSpan.FromSeconds(15));

            var snapshot = await snapshots.LoadLatestSnapshotAsync(boardId, null, CancellationToken.None);
            Assert.NotNull(snapshot);
            Assert.Equal(total, snapshot.State.Seq);
            Assert.Equal(JsonSerializer.Serialize(state, BoardJson.Options), JsonSerializer.Serialize(snapshot.State, BoardJson.Options));
        }
        finally
        {
            File.Delete(views);
        }
    }

    /// <summary>
    /// Operations from several connections that commit in one group-commit batch reach the board's group as one
    /// message, one REST send-to-group (shared/protocols/web-pubsub.md §5.3), carrying the batch's ops in seq order;
    /// each receiver sees every op once. The script asserts fewer messages than operations and consecutive seqs per message.
    /// </summary>
    [Fact]
    public async Task OpsCommittedTogether_AreBroadcastAsOneMessagePerBatch_EachOpOnceInSeqOrder()
    {
        const int opsPerClient = 6;
        await using var stack = await LocalStack.StartAsync(emulators);
        var (boardId, users) = await CreateBoardAsync(stack, Enumerable.Range(1, 8).Select(i => "user" + i).ToArray());

        await NodeScript.AssertPassesAsync("whiteboard.mjs", new Dictionary<string, string>
        {
            ["USERS"] = users,
            ["OPS_PER_CLIENT"] = opsPerClient.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, "batchedBroadcast");

        var state = await stack.Services.GetRequiredService<LiveBoards>().GetCurrentAsync(boardId, CancellationToken.None);
        Assert.Equal(8 * opsPerClient, state.Seq);
    }

    /// <summary>A public board owned by the first user, and client URLs (as the USERS JSON the script reads) for editors.</summary>
    private static async Task<(string BoardId, string Users)> CreateBoardAsync(LocalStack stack, string[] userIds)
    {
        var boardId = LiveBoardsTests.NewBoard();
        await stack.Services.GetRequiredService<BoardStore>().CreateOrUpdateAsync(
            new BoardMetadata(boardId, "End to end", BoardVisibility.Public, userIds[0], [], DateTimeOffset.UtcNow), userIds[0], CancellationToken.None);
        var issuer = stack.Services.GetRequiredService<WebPubSubTokenIssuer>();
        var users = userIds
            .Select(id => (id, name: char.ToUpperInvariant(id[0]) + id[1..]))
            .Select(u => new { userId = u.id, u.name, url = issuer.Issue(new SignedInUser(u.id, u.name, "dev"), boardId, BoardRoles.Editor).Url.AbsoluteUri })
            .ToList();
        return (boardId, JsonSerializer.Serialize(users));
    }
}
