using Collab.Boards.Live;
using Collab.Boards.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Collab.Boards.Tests;

/// <summary>
/// Snapshots after every <see cref="BoardsOptions.SnapshotEvery"/> committed operations and the activity index the
/// commits feed, at memory speed; the blob index and the timer against Azurite are in Collab.Functions.Tests.
/// </summary>
public sealed class SnapshotEveryTests
{
    [Fact]
    public async Task EveryNthCommit_WritesASnapshot_ThatReloadsToTheLiveBoard()
    {
        var storage = new SharedStorage();
        var options = new BoardsOptions { SnapshotEvery = 10, LogSegmentSize = 7 };
        var writer = new EngineInstance(storage, options);
        var boardId = Ops.NewBoard();

        for (var i = 0; i < 25; i++)
        {
            await writer.CommitAsync(boardId, "alice", Ops.AddRect("s" + (i % 4), i));
        }

        // Written in the background, after the commits answered.
        await UntilAsync(async () => (await storage.Snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Count == 2);
        Assert.Equal([10L, 20], (await storage.Snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Select(s => s.Seq));
        var reader = new EngineInstance(storage, options);
        Assert.Equal(Ops.Json(await writer.Live.GetCurrentAsync(boardId, CancellationToken.None)), Ops.Json(await reader.Live.GetCurrentAsync(boardId, CancellationToken.None)));
    }

    [Fact]
    public async Task ALoadedBoard_CountsFromTheSnapshotItLoaded()
    {
        var storage = new SharedStorage();
        var options = new BoardsOptions { SnapshotEvery = 10 };
        var first = new EngineInstance(storage, options);
        var boardId = Ops.NewBoard();
        for (var i = 0; i < 12; i++)
        {
            await first.CommitAsync(boardId, "alice", Ops.Chat("a" + i));
        }

        await UntilAsync(async () => (await storage.Snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Count == 1);

        // Another instance loads the snapshot at 10 and commits up to 20: its threshold is 20, not 10 + 10 of its own.
        var second = new EngineInstance(storage, options);
        for (var i = 0; i < 8; i++)
        {
            await second.CommitAsync(boardId, "bob", Ops.Chat("b" + i));
        }

        await UntilAsync(async () => (await storage.Snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Count == 2);
        Assert.Equal([10L, 20], (await storage.Snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Select(s => s.Seq));
    }

    [Fact]
    public async Task FailingSnapshotWrites_NeverFailACommit_AndAreRetriedAtTheNextThreshold()
    {
        var storage = new SharedStorage();
        var options = Options.Create(new BoardsOptions { SnapshotEvery = 5 });
        var log = new Log.BoardLog(storage.Log, options);
        var live = new LiveBoards(log, storage.Snapshots, options, TimeProvider.System);
        var failing = new FailingFirstWrites(storage.Snapshots, failures: 1);
        var committer = new BoardCommitter(live, log, new RecordingBroadcaster(), TimeProvider.System, NullLogger<BoardCommitter>.Instance, storage.Activity, failing, options);
        var boardId = Ops.NewBoard();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i + 1, (await committer.CommitAsync(boardId, "alice", Ops.Chat("c" + i), CancellationToken.None)).Seq);
        }

        await UntilAsync(async () => (await storage.Snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Count == 1);
        Assert.Equal(2, failing.Attempts);
        Assert.Equal([10L], (await storage.Snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Select(s => s.Seq));
    }

    [Fact]
    public async Task ABoardWritesOneActivityMarkerPerBucket()
    {
        var storage = new SharedStorage();
        var engine = new EngineInstance(storage);
        var (busy, other) = (Ops.NewBoard(), Ops.NewBoard());

        for (var i = 0; i < 20; i++)
        {
            await engine.CommitAsync(busy, "alice", Ops.Chat("a" + i));
        }

        await engine.CommitAsync(other, "bob", Ops.Chat("b"));

        await UntilAsync(() => Task.FromResult(storage.Activity.Markers.Count >= 2));
        // Twenty commits in at most two five-minute buckets (the clock may cross a bucket's end mid-test).
        Assert.InRange(storage.Activity.Markers.Count(m => m.BoardId == busy), 1, 2);
        Assert.Single(storage.Activity.Markers, m => m.BoardId == other);
        Assert.All(storage.Activity.Markers, m => Assert.Equal(0, m.Bucket.UtcTicks % new BoardsOptions().ActivityBucket.Ticks));
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The background write did not happen within 10 s.");
            await Task.Delay(10);
        }
    }

    /// <summary>Snapshots whose first writes throw, as storage that is briefly unavailable does.</summary>
    private sealed class FailingFirstWrites(IBoardSnapshots inner, int failures) : IBoardSnapshots
    {
        private int _attempts;

        public int Attempts => _attempts;

        public Task<bool> WriteSnapshotAsync(BoardSnapshot snapshot, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _attempts) <= failures
                ? throw new HttpRequestException("storage is unavailable")
                : inner.WriteSnapshotAsync(snapshot, cancellationToken);

        public Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(string boardId, CancellationToken cancellationToken) => inner.ListSnapshotsAsync(boardId, cancellationToken);

        public Task<BoardSnapshot?> LoadLatestSnapshotAsync(string boardId, long? atMost, CancellationToken cancellationToken) =>
            inner.LoadLatestSnapshotAsync(boardId, atMost, cancellationToken);
    }
}
