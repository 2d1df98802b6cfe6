using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Emulators.WebPubSub;
using Collab.Functions.Boards;
using Collab.Functions.Events;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Events;

/// <summary>
/// Three whiteboard clients on the official @azure/web-pubsub-client, through the Web PubSub emulator, whose hub
/// calls our event handler over HTTP; storage is Azurite.
/// </summary>
public sealed class WhiteboardEndToEndTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task ThreeClients_SeeEachOther_ReceiveEveryOpInOrder_AndTheBoardOutlivesThem()
    {
        const string hub = "whiteboard_e2e";
        const int opsPerClient = 5;
        var settings = CollabApp.Settings(emulators);
        settings["WebPubSub:Hub"] = hub;
        await using var app = CollabApp.Start(settings);
        await using var server = await FunctionHttpServer.StartAsync("/api/eventhandler", ["OPTIONS", "POST"], (request, cancellationToken) =>
            app.Function<WebPubSubEventsFunction>().Run(request, cancellationToken));
        emulators.WebPubSubOptions.Hubs[hub] = new HubSettings
        {
            EventHandlers = [new EventHandlerSettings { UrlTemplate = server.BaseUrl + "api/eventhandler", UserEventPattern = "*", SystemEvents = ["connect", "connected", "disconnected"] }],
        };
        var boardId = await WebPubSubEventHandlerTests.CreateBoardAsync(app, "alice");
        var users = new List<object>();
        foreach (var (userId, name) in new[] { ("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol") })
        {
            var negotiated = await app.Function<NegotiateFunction>().Run(app.Request("POST", userId, name: name), boardId);
            users.Add(new { userId, name, url = Assert.IsType<NegotiateResponse>(Assert.IsType<OkObjectResult>(negotiated).Value).Url.AbsoluteUri });
        }

        var views = Path.GetTempFileName();
        try
        {
            await NodeScript.AssertPassesAsync("whiteboard.mjs", new Dictionary<string, string>
            {
                ["USERS"] = JsonSerializer.Serialize(users),
                ["OPS_PER_CLIENT"] = opsPerClient.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["OUT_FILE"] = views,
            }, "threeClients");

            var total = (3 * opsPerClient) + 3;
            var board = Assert.IsType<BoardResponse>(Assert.IsType<OkObjectResult>(
                await app.Function<GetBoardFunction>().Run(app.Request("GET", "bob"), boardId, CancellationToken.None)).Value);
            Assert.Equal(total, board.State.Seq);
            var stored = JsonSerializer.SerializeToNode(board.State.Shapes, BoardJson.Options);
            foreach (var clientView in JsonNode.Parse(await File.ReadAllTextAsync(views))!.AsArray())
            {
                Assert.True(JsonNode.DeepEquals(stored, clientView!["shapes"]), $"{clientView["userId"]} saw {clientView["shapes"]}, the board holds {stored}");
            }

            Assert.Equal("hello board", Assert.Single(board.State.Chat).Text);
            var snapshots = app.Services.GetRequiredService<SnapshotStore>();
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!(await snapshots.ListAsync(boardId, CancellationToken.None)).Any(s => s.Seq == total) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            var snapshot = await snapshots.LoadLatestAsync(boardId, null, CancellationToken.None);
            Assert.NotNull(snapshot);
            Assert.Equal(total, snapshot.State.Seq);
            Assert.Equal(JsonSerializer.Serialize(board.State, BoardJson.Options), JsonSerializer.Serialize(snapshot.State, BoardJson.Options));
        }
        finally
        {
            File.Delete(views);
        }
    }
}
