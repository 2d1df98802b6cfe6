using Collab.Functions.Boards;
using Collab.Functions.Configuration;
using Collab.Functions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Boards;

/// <summary>
/// Group commit without storage: several service instances share one <see cref="InMemoryBoardLog"/>, which enforces
/// the blob log's append-position rule, so the conflict-and-replan path runs at memory speed and at a scale the
/// Azurite test cannot afford.
/// </summary>
public sealed class InMemoryGroupCommitTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Theory]
    [InlineData(2, 100, 7)]
    [InlineData(4, 250, 10_000)]
    public async Task InstancesSharingALog_GetGapFreeUniqueSeqs_AndConverge(int instances, int opsEach, int segmentSize)
    {
        var log = new InMemoryBoardLog();
        var settings = CollabApp.Settings(emulators);
        settings["Boards:LogSegmentSize"] = segmentSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var providers = Enumerable.Range(0, instances).Select(_ => Instance(settings, log)).ToList();
        try
        {
            var boardId = LiveBoardsTests.NewBoard();
            var commits = Enumerable.Range(0, opsEach).SelectMany(i => providers.Select((p, n) =>
                p.GetRequiredService<LiveBoards>().CommitAsync(boardId, "user" + n, LiveBoardsTests.AddRect($"s{n}-{i}", i), CancellationToken.None)));

            var results = await Task.WhenAll(commits);

            var total = instances * opsEach;
            Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), results.Select(r => r.Seq).Order());
            Assert.All(results, r => Assert.False(r.Duplicate));
            var reader = Instance(settings, log);
            providers.Add(reader);
            var all = await LiveBoardsTests.AllOpsAsync(reader.GetRequiredService<LiveBoards>(), boardId);
            Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), all.Select(o => o.Seq));
            Assert.Equal(total, all.Select(o => o.Author + "/" + o.OpId).Distinct().Count());
            var expected = LiveBoardsTests.Json(await reader.GetRequiredService<LiveBoards>().GetCurrentAsync(boardId, CancellationToken.None));
            foreach (var provider in providers)
            {
                Assert.Equal(expected, LiveBoardsTests.Json(await provider.GetRequiredService<LiveBoards>().GetCurrentAsync(boardId, CancellationToken.None)));
            }
        }
        finally
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }
        }
    }

    // One scaled-out instance: its own live state, the shared log, and no broadcast.
    private static ServiceProvider Instance(Dictionary<string, string?> settings, InMemoryBoardLog log) =>
        new ServiceCollection()
            .AddLogging()
            .AddCollab(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddSingleton<IBoardLog>(log)
            .AddSingleton<IBoardBroadcaster, SilentBoardBroadcaster>()
            .BuildServiceProvider();
}
