using System.Globalization;
using System.Text.Json;
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
using Xunit.Abstractions;

namespace Collab.Functions.Tests.Reliability;

/// <summary>
/// Many official clients committing on several boards through the Web PubSub emulator and the local functions host:
/// nothing lost, nothing duplicated, gap-free seqs, and every client's view equals the stored board. CI runs
/// 20 clients × 100 operations; COLLAB_LOAD_CLIENTS and COLLAB_LOAD_OPS scale it up (bench/reliability.sh: 100 × 1,000).
/// </summary>
public sealed class LoadTests(EmulatorHost emulators, ITestOutputHelper output) : IClassFixture<EmulatorHost>
{
    private const int Boards = 5;

    [Fact]
    public async Task ConcurrentClientsOnFiveBoards_LoseAndDuplicateNothing()
    {
        var clients = int.Parse(Environment.GetEnvironmentVariable("COLLAB_LOAD_CLIENTS") ?? "20", CultureInfo.InvariantCulture);
        var ops = int.Parse(Environment.GetEnvironmentVariable("COLLAB_LOAD_OPS") ?? "100", CultureInfo.InvariantCulture);
        // Each client commits as fast as its acks come back, beyond the per-connection operation limit a person's
        // drawing stays under: this test is about losing and duplicating nothing, not about that limit.
        await using var stack = await LocalStack.StartAsync(emulators, settings => settings["EventHandler:OperationsPerSecond"] = "100000");
        var boards = new string[Boards];
        for (var b = 0; b < Boards; b++)
        {
            boards[b] = LiveBoardsTests.NewBoard();
            await stack.Services.GetRequiredService<BoardStore>().CreateOrUpdateAsync(
                new BoardMetadata(boards[b], "load", BoardVisibility.Public, "owner", [], DateTimeOffset.UtcNow), "owner", CancellationToken.None);
        }

        var issuer = stack.Services.GetRequiredService<WebPubSubTokenIssuer>();
        var users = Enumerable.Range(0, clients).Select(i =>
        {
            var boardId = boards[i % Boards];
            return new { userId = $"user{i}", boardId, url = issuer.Issue(new SignedInUser($"user{i}", $"User {i}", "dev"), boardId, BoardRoles.Editor).Url.AbsoluteUri };
        }).ToList();

        var outFile = Path.GetTempFileName();
        try
        {
            await NodeScript.AssertPassesAsync("load.mjs", new Dictionary<string, string>
            {
                ["USERS"] = JsonSerializer.Serialize(users),
                ["OPS"] = ops.ToString(CultureInfo.InvariantCulture),
                ["OUT_FILE"] = outFile,
            }, TimeSpan.FromMinutes(30), "run");

            using var result = JsonDocument.Parse(await File.ReadAllTextAsync(outFile));
            var live = stack.Services.GetRequiredService<LiveBoards>();
            var lost = 0;
            var duplicated = 0;
            foreach (var boardId in boards)
            {
                var log = await LiveBoardsTests.AllOpsAsync(live, boardId);
                var expected = users.Where(u => u.boardId == boardId).SelectMany(u => Enumerable.Range(0, ops).Select(i => $"{u.userId}-{i}")).ToHashSet();
                lost += expected.Count(opId => !log.Any(o => o.OpId == opId));
                duplicated += log.Count - log.Select(o => o.Author + "/" + o.OpId).Distinct().Count();
                Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), log.Select(o => o.Seq));
                Assert.True(expected.SetEquals(log.Select(o => o.OpId)), $"Board {boardId}: the log does not hold exactly the operations sent.");

                var stored = LiveBoardsTests.Json(await live.GetCurrentAsync(boardId, CancellationToken.None));
                foreach (var client in result.RootElement.GetProperty("clients").EnumerateArray().Where(c => c.GetProperty("boardId").GetString() == boardId))
                {
                    var view = new BoardState();
                    foreach (var op in client.GetProperty("seen").EnumerateArray()
                        .Select(o => o.Deserialize<LoggedOperation>(BoardJson.Options)!).DistinctBy(o => o.Seq).OrderBy(o => o.Seq))
                    {
                        view.Apply(op);
                    }

                    Assert.Equal(stored, LiveBoardsTests.Json(view.ToDocument()));
                }
            }

            Assert.Equal(0, lost);
            Assert.Equal(0, duplicated);
            var elapsedMs = result.RootElement.GetProperty("elapsedMs").GetInt64();
            output.WriteLine($"{clients} clients × {ops} operations on {Boards} boards: {clients * ops} committed in {elapsedMs} ms ({clients * ops * 1000.0 / elapsedMs:F0} ops/s), lost {lost}, duplicated {duplicated}");
        }
        finally
        {
            File.Delete(outFile);
        }
    }
}
