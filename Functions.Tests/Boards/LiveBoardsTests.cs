using System.Text.Json;
using Azure.Storage.Blobs;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Boards;

/// <summary>
/// The blob implementations of the log and the snapshots against Azurite: group commit, append-position conflicts,
/// segments and torn snapshot blobs, with independent service instances standing in for scaled-out function instances.
/// The same behaviour at memory speed is in Collab.Boards.Tests.
/// </summary>
public sealed class LiveBoardsTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task TwoInstances_AppendingConcurrently_GetGapFreeUniqueSeqs_AcrossSegments()
    {
        var settings = Settings(segmentSize: 7);
        await using var first = CollabApp.Start(settings);
        await using var second = CollabApp.Start(settings);
        var boardId = NewBoard();

        var commits = Enumerable.Range(0, 60).SelectMany(i => new[]
        {
            Committer(first).CommitAsync(boardId, "alice", Chat("a" + i), CancellationToken.None),
            Committer(second).CommitAsync(boardId, "bob", Chat("b" + i), CancellationToken.None),
        });
        var results = await Task.WhenAll(commits);

        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), results.Select(r => r.Seq).Order());
        Assert.All(results, r => Assert.False(r.Duplicate));
        await using var reader = CollabApp.Start(settings);
        var log = await AllOpsAsync(Live(reader), boardId);
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), log.Select(o => o.Seq));
        Assert.Equal(120, log.Select(o => o.Author + "/" + o.OpId).Distinct().Count());
        // Group commits may overshoot a segment's size, so there are at most 120 / 7 segments, and more than one.
        Assert.InRange((await SegmentsAsync(reader, boardId)).Count, 2, 120 / 7);
        var expected = Json(await Live(reader).GetCurrentAsync(boardId, CancellationToken.None));
        Assert.Equal(expected, Json(await Live(first).GetCurrentAsync(boardId, CancellationToken.None)));
        Assert.Equal(expected, Json(await Live(second).GetCurrentAsync(boardId, CancellationToken.None)));
    }

    [Fact]
    public async Task SameOperationOnAnotherInstance_IsNotAppliedTwice()
    {
        var settings = Settings(segmentSize: 100);
        await using var first = CollabApp.Start(settings);
        await using var second = CollabApp.Start(settings);
        var boardId = NewBoard();
        await Committer(first).CommitAsync(boardId, "alice", Chat("x"), CancellationToken.None);

        var original = await Committer(first).CommitAsync(boardId, "alice", Chat("retried"), CancellationToken.None);
        var retry = await Committer(second).CommitAsync(boardId, "alice", Chat("retried"), CancellationToken.None);
        var otherAuthor = await Committer(second).CommitAsync(boardId, "bob", Chat("retried"), CancellationToken.None);

        Assert.Equal(new CommitResult(2, false), original);
        Assert.Equal(new CommitResult(2, true), retry);
        Assert.Equal(new CommitResult(3, false), otherAuthor);
        Assert.Equal(3, (await AllOpsAsync(Live(second), boardId)).Count);
    }

    [Fact]
    public async Task Reload_FromSnapshotAndLog_EqualsTheLiveBoard_AndTornSnapshotsAreIgnored()
    {
        var settings = Settings(segmentSize: 7);
        await using var writer = CollabApp.Start(settings);
        var boardId = NewBoard();
        for (var i = 0; i < 13; i++)
        {
            await Committer(writer).CommitAsync(boardId, "alice", AddRect("s" + (i % 4), i), CancellationToken.None);
        }

        var snapshot = await Live(writer).SnapshotCurrentAsync(boardId, CancellationToken.None);
        Assert.True(await writer.Services.GetRequiredService<BoardStore>().WriteSnapshotAsync(snapshot!, CancellationToken.None));
        for (var i = 13; i < 25; i++)
        {
            await Committer(writer).CommitAsync(boardId, "alice", i % 5 == 0 ? Remove("s1") : AddRect("s" + (i % 6), i), CancellationToken.None);
        }

        // A torn newer snapshot, as a crash in the middle of a non-atomic writer would leave it.
        var torn = SnapshotFormat.Write((await Live(writer).SnapshotCurrentAsync(boardId, CancellationToken.None))!);
        await Container(writer).GetBlobClient(BoardStore.Snapshot(boardId, 25)).UploadAsync(BinaryData.FromBytes(torn[..(torn.Length / 2)]), overwrite: true);

        await using var reader = CollabApp.Start(settings);
        var reloaded = await Live(reader).GetCurrentAsync(boardId, CancellationToken.None);
        Assert.Equal(Json(await Live(writer).GetCurrentAsync(boardId, CancellationToken.None)), Json(reloaded));
        Assert.Equal(25, reloaded.Seq);

        var replayed = new BoardState();
        foreach (var op in (await AllOpsAsync(Live(reader), boardId)).Take(20))
        {
            replayed.Apply(op);
        }

        Assert.Equal(Json(replayed.ToDocument()), Json((await Live(reader).SnapshotAtAsync(boardId, 20, CancellationToken.None))!.State));
        Assert.Null(await Live(reader).SnapshotAtAsync(boardId, 26, CancellationToken.None));
    }

    [Fact]
    public async Task OpsAfter_PagesFromMemoryAndFromTheLog()
    {
        var settings = Settings(segmentSize: 5);
        settings["Boards:OpsPageSize"] = "4";
        await using var writer = CollabApp.Start(settings);
        var boardId = NewBoard();
        for (var i = 0; i < 11; i++)
        {
            await Committer(writer).CommitAsync(boardId, "alice", Chat("m" + i), CancellationToken.None);
        }

        var fromMemory = await Live(writer).GetOpsAfterAsync(boardId, 8, CancellationToken.None);
        var fromLog = await Live(writer).GetOpsAfterAsync(boardId, 2, CancellationToken.None);

        Assert.Equal([9L, 10, 11], fromMemory.Ops.Select(o => o.Seq));
        Assert.Equal([3L, 4, 5, 6], fromLog.Ops.Select(o => o.Seq));
        Assert.Equal(11, fromLog.LastSeq);
        Assert.Empty((await Live(writer).GetOpsAfterAsync(boardId, 11, CancellationToken.None)).Ops);
    }

    internal static IncomingOperation Chat(string opId) => new(opId, new PostChat("text of " + opId));

    internal static IncomingOperation AddRect(string shapeId, int n) => new(
        "add-" + shapeId + "-" + n,
        new AddShape(new RectShape { Id = shapeId, Color = "#112233", Width = 1, X = n, Y = n, W = 10, H = 10 }));

    internal static string NewBoard() => "b" + Guid.NewGuid().ToString("N")[..16];

    internal static LiveBoards Live(CollabApp app) => app.Services.GetRequiredService<LiveBoards>();

    internal static BoardCommitter Committer(CollabApp app) => app.Services.GetRequiredService<BoardCommitter>();

    internal static async Task<List<LoggedOperation>> AllOpsAsync(LiveBoards live, string boardId)
    {
        var all = new List<LoggedOperation>();
        while (true)
        {
            var page = await live.GetOpsAfterAsync(boardId, all.Count == 0 ? 0 : all[^1].Seq, CancellationToken.None);
            if (page.Ops.Count == 0)
            {
                return all;
            }

            all.AddRange(page.Ops);
        }
    }

    internal static string Json(BoardStateDocument state) => JsonSerializer.Serialize(state, BoardJson.Options);

    private static IncomingOperation Remove(string shapeId) => new("remove-" + shapeId + Guid.NewGuid().ToString("N")[..6], new RemoveShape(shapeId));

    private Dictionary<string, string?> Settings(int segmentSize)
    {
        var settings = CollabApp.Settings(emulators);
        settings["Boards:LogSegmentSize"] = segmentSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }

    private static BlobContainerClient Container(CollabApp app) =>
        app.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BoardStore.Container);

    private static async Task<List<string>> SegmentsAsync(CollabApp app, string boardId)
    {
        var names = new List<string>();
        await foreach (var blob in Container(app).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = BoardStore.LogPrefix(boardId) }))
        {
            names.Add(blob.Name);
        }

        return names;
    }
}
