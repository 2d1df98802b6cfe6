using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;

namespace Collab.Boards.Tests;

/// <summary>Loading, snapshots, history and catch-up of live boards, over in-memory storage.</summary>
public sealed class LiveBoardsTests
{
    [Fact]
    public async Task SameOperationOnAnotherInstance_IsNotAppliedTwice()
    {
        var storage = new SharedStorage();
        var first = new EngineInstance(storage);
        var second = new EngineInstance(storage);
        var boardId = Ops.NewBoard();
        await first.CommitAsync(boardId, "alice", Ops.Chat("x"));

        var original = await first.CommitAsync(boardId, "alice", Ops.Chat("retried"));
        var retry = await second.CommitAsync(boardId, "alice", Ops.Chat("retried"));
        var otherAuthor = await second.CommitAsync(boardId, "bob", Ops.Chat("retried"));

        Assert.Equal(new CommitResult(2, false), original);
        Assert.Equal(new CommitResult(2, true), retry);
        Assert.Equal(new CommitResult(3, false), otherAuthor);
        Assert.Equal(3, (await second.AllOpsAsync(boardId)).Count);
    }

    [Fact]
    public async Task Reload_FromSnapshotAndLog_EqualsTheLiveBoard_KeepsDedupe_AndIgnoresTornSnapshots()
    {
        var storage = new SharedStorage();
        var options = new BoardsOptions { LogSegmentSize = 7 };
        var writer = new EngineInstance(storage, options);
        var boardId = Ops.NewBoard();
        for (var i = 0; i < 13; i++)
        {
            await writer.CommitAsync(boardId, "alice", Ops.AddRect("s" + (i % 4), i));
        }

        Assert.True(await storage.Snapshots.WriteSnapshotAsync((await writer.Live.SnapshotCurrentAsync(boardId, CancellationToken.None))!, CancellationToken.None));
        for (var i = 13; i < 25; i++)
        {
            await writer.CommitAsync(boardId, "alice", i % 5 == 0 ? Ops.Remove("s1") : Ops.AddRect("s" + (i % 6), i));
        }

        // A torn newer snapshot, as a crash in the middle of a non-atomic writer would leave it.
        var torn = SnapshotFormat.Write((await writer.Live.SnapshotCurrentAsync(boardId, CancellationToken.None))!);
        storage.Snapshots.Put(boardId, 25, torn[..(torn.Length / 2)]);

        var reader = new EngineInstance(storage, options);
        var reloaded = await reader.Live.GetCurrentAsync(boardId, CancellationToken.None);
        Assert.Equal(Ops.Json(await writer.Live.GetCurrentAsync(boardId, CancellationToken.None)), Ops.Json(reloaded));
        Assert.Equal(25, reloaded.Seq);
        Assert.Equal(new CommitResult(3, true), await reader.CommitAsync(boardId, "alice", Ops.AddRect("s2", 2)));

        var replayed = new BoardState();
        foreach (var op in (await reader.AllOpsAsync(boardId)).Take(20))
        {
            replayed.Apply(op);
        }

        Assert.Equal(Ops.Json(replayed.ToDocument()), Ops.Json((await reader.Live.SnapshotAtAsync(boardId, 20, CancellationToken.None))!.State));
        Assert.Null(await reader.Live.SnapshotAtAsync(boardId, 26, CancellationToken.None));
    }

    [Fact]
    public async Task OpsAfter_PagesFromMemoryAndFromTheLog()
    {
        var storage = new SharedStorage();
        var writer = new EngineInstance(storage, new BoardsOptions { LogSegmentSize = 5, OpsPageSize = 4 });
        var boardId = Ops.NewBoard();
        for (var i = 0; i < 11; i++)
        {
            await writer.CommitAsync(boardId, "alice", Ops.Chat("m" + i));
        }

        var fromMemory = await writer.Live.GetOpsAfterAsync(boardId, 8, CancellationToken.None);
        var fromLog = await writer.Live.GetOpsAfterAsync(boardId, 2, CancellationToken.None);

        Assert.Equal([9L, 10, 11], fromMemory.Ops.Select(o => o.Seq));
        Assert.Equal([3L, 4, 5, 6], fromLog.Ops.Select(o => o.Seq));
        Assert.Equal(11, fromLog.LastSeq);
        Assert.Empty((await writer.Live.GetOpsAfterAsync(boardId, 11, CancellationToken.None)).Ops);
        Assert.Equal([1L, 6, 11], await storage.Segments.ListAsync(boardId, CancellationToken.None));
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), (await new EngineInstance(storage, new BoardsOptions { LogSegmentSize = 5, OpsPageSize = 4 }).AllOpsAsync(boardId)).Select(o => o.Seq));
    }

    [Fact]
    public async Task ALogLineThatIsNotAnOperation_FailsTheCommit_AsUnavailable_AndStoresNothing()
    {
        var storage = new SharedStorage();
        var engine = new EngineInstance(storage);
        var boardId = Ops.NewBoard();
        var garbage = "{\"seq\":\n"u8.ToArray();
        await storage.Segments.TryAppendAsync(boardId, 1, 0, garbage, CancellationToken.None);

        var failure = await Assert.ThrowsAsync<Errors.UnavailableException>(() => engine.CommitAsync(boardId, "alice", Ops.Chat("x")));

        Assert.Equal(TimeSpan.FromSeconds(1), failure.RetryAfter);
        Assert.IsType<InvalidDataException>(failure.InnerException);
        Assert.Equal(garbage.Length, (await storage.Segments.ReadAsync(boardId, 1, 0, int.MaxValue, CancellationToken.None)).Length);
    }
}
