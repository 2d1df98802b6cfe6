using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Collab.Boards;
using Collab.Boards.Live;
using Collab.Boards.Log;
using Collab.Boards.Storage;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Collab.Functions.Tests.Boards.LiveBoardsTests;

namespace Collab.Functions.Tests.Boards;

/// <summary>
/// The activity index in Blob Storage (marker blobs per board per time bucket) and the snapshot timer's pass over
/// it, against Azurite: commits mark their board, a pass snapshots only marked boards in closed buckets and clears
/// their markers, catches up missed runs, and leaves a failing board's marker for the next pass. The clock is fake
/// and far in the future, so passes of other tests (on the real clock) never reach these buckets; and these passes
/// see only the boards their test committed to, so they never snapshot another test's boards.
/// </summary>
public sealed class ActivityIndexTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private static readonly TimeSpan Bucket = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ABoardWithOperations_GetsAMarker_ThatAPassAfterItsBucketClosesSnapshotsAndClears()
    {
        await using var harness = Harness.Start(emulators);
        var boardId = NewBoard();
        for (var i = 0; i < 3; i++)
        {
            await harness.CommitAsync(boardId, "m" + i);
        }

        var bucket = ActivityMarker.BucketOf(harness.Time.GetUtcNow(), Bucket);
        await Eventually.UntilAsync(() => harness.MarkerExistsAsync(boardId, bucket), TimeSpan.FromSeconds(10));

        // The bucket is still open: the pass leaves it alone.
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await harness.Snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None);
        Assert.Empty(await harness.Store.ListSnapshotsAsync(boardId, CancellationToken.None));
        Assert.True(await harness.MarkerExistsAsync(boardId, bucket));

        harness.Time.Advance(Bucket + Grace);
        var pass = await harness.Snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None);

        Assert.True(pass.SnapshotsWritten >= 1, $"The pass wrote {pass.SnapshotsWritten} snapshots.");
        Assert.Equal([3L], (await harness.Store.ListSnapshotsAsync(boardId, CancellationToken.None)).Select(s => s.Seq));
        Assert.False(await harness.MarkerExistsAsync(boardId, bucket));
        await using var reader = CollabApp.Start(CollabApp.Settings(emulators));
        Assert.Equal(Json(await Live(harness.App).GetCurrentAsync(boardId, CancellationToken.None)), Json(await Live(reader).GetCurrentAsync(boardId, CancellationToken.None)));
    }

    [Fact]
    public async Task AnIdleBoard_IsNeverRead_WhileActiveOnesAreSnapshotted()
    {
        await using var harness = Harness.Start(emulators);
        var (idle, active) = (NewBoard(), NewBoard());
        await harness.CommitAsync(idle, "i1");
        await harness.CommitAsync(idle, "i2");
        await Eventually.UntilAsync(() => harness.MarkerExistsAsync(idle, ActivityMarker.BucketOf(harness.Time.GetUtcNow(), Bucket)), TimeSpan.FromSeconds(10));
        harness.Time.Advance(Bucket + Grace);
        await harness.Snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None);
        Assert.Equal([2L], (await harness.Store.ListSnapshotsAsync(idle, CancellationToken.None)).Select(s => s.Seq));

        await harness.CommitAsync(active, "a1");
        await Eventually.UntilAsync(() => harness.MarkerExistsAsync(active, ActivityMarker.BucketOf(harness.Time.GetUtcNow(), Bucket)), TimeSpan.FromSeconds(10));
        harness.Time.Advance(Bucket + Grace);
        harness.Requests.Clear();
        await harness.Snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None);

        Assert.Equal([1L], (await harness.Store.ListSnapshotsAsync(active, CancellationToken.None)).Select(s => s.Seq));
        Assert.Contains(harness.Requests.Paths, path => path.Contains(active, StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Requests.Paths, path => path.Contains(idle, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MissedRuns_AreCaughtUp_WithOneSnapshotForSeveralBuckets()
    {
        await using var harness = Harness.Start(emulators);
        var boardId = NewBoard();
        var first = ActivityMarker.BucketOf(harness.Time.GetUtcNow(), Bucket);
        await harness.CommitAsync(boardId, "early");
        harness.Time.Advance(Bucket);
        var second = ActivityMarker.BucketOf(harness.Time.GetUtcNow(), Bucket);
        await harness.CommitAsync(boardId, "later");
        await Eventually.UntilAsync(async () => await harness.MarkerExistsAsync(boardId, first) && await harness.MarkerExistsAsync(boardId, second), TimeSpan.FromSeconds(10));

        // Three runs were missed; the next one reads every closed bucket, not only the last.
        harness.Time.Advance((4 * Bucket) + Grace);
        await harness.Snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None);

        Assert.Equal([2L], (await harness.Store.ListSnapshotsAsync(boardId, CancellationToken.None)).Select(s => s.Seq));
        Assert.False(await harness.MarkerExistsAsync(boardId, first));
        Assert.False(await harness.MarkerExistsAsync(boardId, second));
    }

    [Fact]
    public async Task AFailingBoard_KeepsItsMarker_AndDoesNotStopTheOthers()
    {
        await using var harness = Harness.Start(emulators);
        var (broken, healthy) = (NewBoard(), NewBoard());
        var bucket = ActivityMarker.BucketOf(harness.Time.GetUtcNow(), Bucket);
        await harness.CommitAsync(broken, "b1");
        await harness.CommitAsync(healthy, "h1");
        await Eventually.UntilAsync(async () => await harness.MarkerExistsAsync(broken, bucket) && await harness.MarkerExistsAsync(healthy, bucket), TimeSpan.FromSeconds(10));
        // A line that is not an operation makes the broken board's log unreadable.
        await harness.Container.GetAppendBlobClient(BoardStore.LogSegment(broken, 1)).AppendBlockAsync(new MemoryStream("not an operation\n"u8.ToArray()));

        harness.Time.Advance(Bucket + Grace);
        var pass = await harness.Snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None);

        Assert.True(pass.Failures >= 1, $"The pass counted {pass.Failures} failures.");
        Assert.True(await harness.MarkerExistsAsync(broken, bucket));
        Assert.Empty(await harness.Store.ListSnapshotsAsync(broken, CancellationToken.None));
        Assert.False(await harness.MarkerExistsAsync(healthy, bucket));
        Assert.Equal([1L], (await harness.Store.ListSnapshotsAsync(healthy, CancellationToken.None)).Select(s => s.Seq));

        // The marker stays for every later pass too, until the board can be read.
        harness.Time.Advance(Bucket);
        Assert.True((await harness.Snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None)).Failures >= 1);
        Assert.True(await harness.MarkerExistsAsync(broken, bucket));
        await harness.Store.ClearAsync(new ActivityMarker(broken, bucket), CancellationToken.None);
    }

    [Fact]
    public async Task EveryNthCommit_WritesASnapshotBlob_InTheBackground()
    {
        // On the far-future clock too: a timer of another test would otherwise snapshot this board between commits.
        await using var harness = Harness.Start(emulators, settings => settings["Boards:SnapshotEvery"] = "5");
        var boardId = NewBoard();

        for (var i = 0; i < 12; i++)
        {
            await harness.CommitAsync(boardId, "n" + i);
        }

        await Eventually.UntilAsync(async () => (await harness.Store.ListSnapshotsAsync(boardId, CancellationToken.None)).Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal([5L, 10], (await harness.Store.ListSnapshotsAsync(boardId, CancellationToken.None)).Select(s => s.Seq));
        Assert.Equal(10, (await harness.Store.LoadLatestSnapshotAsync(boardId, null, CancellationToken.None))!.State.Seq);
    }

    [Fact]
    public void SnapshotEvery_OutOfRange_FailsAtStartUp()
    {
        var settings = CollabApp.Settings(emulators);
        settings["Boards:SnapshotEvery"] = "0";
        var failure = Assert.ThrowsAny<OptionsValidationException>(() => CollabApp.Start(settings));
        Assert.Contains("SnapshotEvery", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// An app over Azurite, a committer on a fake clock, and a timer pass whose storage requests are recorded.
    /// </summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, bool> _boards = new(StringComparer.Ordinal);

        private Harness(CollabApp app)
        {
            App = app;
            Time = new FakeTimeProvider(new DateTimeOffset(2101, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var options = app.Services.GetRequiredService<IOptions<BoardsOptions>>();
            var appStore = app.Services.GetRequiredService<BoardStore>();
            Committer = new BoardCommitter(
                Live(app),
                app.Services.GetRequiredService<BoardLog>(),
                app.Services.GetRequiredService<IBoardBroadcaster>(),
                Time,
                NullLogger<BoardCommitter>.Instance,
                appStore,
                appStore,
                options);
            var clientOptions = new BlobClientOptions();
            clientOptions.AddPolicy(Requests, HttpPipelinePosition.PerCall);
            var blobs = new BlobServiceClient(Azurite.ConnectionString, clientOptions);
            Container = blobs.GetBlobContainerClient(BoardStore.Container);
            Store = new BoardStore(blobs, NullLogger<BoardStore>.Instance);
            Snapshotter = new BoardSnapshotter(new BoardLog(new BlobLogSegments(blobs), options), Store, new MarkersOf(Store, _boards), Time, options, NullLogger<BoardSnapshotter>.Instance);
        }

        public CollabApp App { get; }

        public FakeTimeProvider Time { get; }

        public BoardCommitter Committer { get; }

        public RequestRecorder Requests { get; } = new();

        public BlobContainerClient Container { get; }

        public BoardStore Store { get; }

        public BoardSnapshotter Snapshotter { get; }

        public static Harness Start(EmulatorHost emulators, Action<Dictionary<string, string?>>? configure = null)
        {
            var settings = CollabApp.Settings(emulators);
            settings["Boards:ActivityBucket"] = Bucket.ToString();
            settings["Boards:ActivityGrace"] = Grace.ToString();
            configure?.Invoke(settings);
            return new Harness(CollabApp.Start(settings));
        }

        public Task CommitAsync(string boardId, string opId)
        {
            _boards[boardId] = true;
            return Committer.CommitAsync(boardId, "alice", Chat(opId), CancellationToken.None);
        }

        public async Task<bool> MarkerExistsAsync(string boardId, DateTimeOffset bucket) =>
            (await Container.GetBlobClient(BoardStore.ActivityMarkerName(boardId, bucket)).ExistsAsync()).Value;

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    /// <summary>The activity index, listing only the markers of the given boards (the listing itself is real).</summary>
    private sealed class MarkersOf(IBoardActivity index, ConcurrentDictionary<string, bool> boards) : IBoardActivity
    {
        public Task MarkActiveAsync(string boardId, DateTimeOffset bucket, CancellationToken cancellationToken) => index.MarkActiveAsync(boardId, bucket, cancellationToken);

        public IAsyncEnumerable<ActivityMarker> ListMarkersAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
            index.ListMarkersAsync(before, cancellationToken).Where(m => boards.ContainsKey(m.BoardId));

        public Task ClearAsync(ActivityMarker marker, CancellationToken cancellationToken) => index.ClearAsync(marker, cancellationToken);
    }

    /// <summary>Records the path of every storage request.</summary>
    private sealed class RequestRecorder : HttpPipelineSynchronousPolicy
    {
        private ConcurrentQueue<string> _paths = new();

        public IReadOnlyCollection<string> Paths => _paths.ToArray();

        public void Clear() => _paths = new ConcurrentQueue<string>();

        public override void OnSendingRequest(HttpMessage message) =>
            _paths.Enqueue(message.Request.Method + " " + Uri.UnescapeDataString(message.Request.Uri.ToUri().PathAndQuery));
    }
}
