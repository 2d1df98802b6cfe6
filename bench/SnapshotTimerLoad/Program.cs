using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Collab.Boards;
using Collab.Boards.Live;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

// The snapshot timer's work as the number of stored boards grows: one pass over (a) 10 active boards and nothing
// else, then (b) the same with 10,000 idle boards (snapshotted, no activity since) stored beside them. Requests are
// counted on the BlobServiceClient's pipeline during the pass only. Usage: <blob endpoint> [idle boards].
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: SnapshotTimerLoad <azurite blob endpoint> [idle boards, default 10000]");
    return 2;
}

const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const int ActiveBoards = 10;
const int OpsPerActiveBoard = 20;
const int Rounds = 3;
var idleBoards = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;

var counter = new RequestCounter();
var clientOptions = new BlobClientOptions();
clientOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
var blobs = new BlobServiceClient($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};BlobEndpoint={args[0]};", clientOptions);
await blobs.GetBlobContainerClient(BoardStore.Container).CreateIfNotExistsAsync();

var settings = new BoardsOptions();
var options = Options.Create(settings);
var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
var store = new BoardStore(blobs, NullLogger<BoardStore>.Instance);
var log = new BoardLog(new BlobLogSegments(blobs), options);
var live = new LiveBoards(log, store, options, TimeProvider.System);
var committer = new BoardCommitter(live, log, new NoBroadcast(), time, NullLogger<BoardCommitter>.Instance, store, store, options);
var snapshotter = new BoardSnapshotter(log, store, store, time, options, NullLogger<BoardSnapshotter>.Instance);

var only = await MedianPassAsync("10 active boards (few stored)", idleBefore: 0);

var seeding = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, idleBoards), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, token) => await SeedIdleBoardAsync($"idle{i:D6}", token));
Console.Error.WriteLine($"Seeded {idleBoards:N0} idle boards in {seeding.Elapsed.TotalSeconds:F0} s.");
// The boards of (a) are idle now too.
var crowded = await MedianPassAsync($"{idleBoards:N0} idle + 10 active", idleBefore: idleBoards + (Rounds * ActiveBoards));

Console.WriteLine("| Scenario | Stored boards | Storage requests | Requests by kind (time in them) | Wall time | Boards visited | Snapshots written | One list of an empty prefix |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var row in new[] { only, crowded })
{
    Console.WriteLine($"| {row.Name} | {row.StoredBoards:N0} | {row.Requests} | {row.Kinds} | {row.Wall.TotalMilliseconds:F0} ms | {row.Pass.BoardsVisited} | {row.Pass.SnapshotsWritten} | {row.EmptyList.TotalMilliseconds:F1} ms |");
}

Console.WriteLine($"| ratio (b)/(a) | | {(double)crowded.Requests / only.Requests:F2}× | | {crowded.Wall / only.Wall:F2}× | | | {crowded.EmptyList / only.EmptyList:F2}× |");
return 0;

// The round with the median wall time of three, each on ten fresh boards: the box is noisy.
async Task<Row> MedianPassAsync(string name, int idleBefore)
{
    var rounds = new List<Row>();
    for (var i = 0; i < Rounds; i++)
    {
        rounds.Add(await PassAsync(name, idleBefore + (i * ActiveBoards)));
    }

    return rounds.OrderBy(r => r.Wall).ElementAt(Rounds / 2);
}

// Commits to ten fresh boards (markers in the current bucket), moves the clock past the bucket and its grace, and
// times one pass with the requests counted.
async Task<Row> PassAsync(string name, int idleBefore)
{
    var boardIds = Enumerable.Range(0, ActiveBoards).Select(_ => "active" + Guid.NewGuid().ToString("N")[..12]).ToList();
    await Parallel.ForEachAsync(boardIds, async (boardId, token) =>
    {
        for (var i = 0; i < OpsPerActiveBoard; i++)
        {
            await committer.CommitAsync(boardId, "bench", new IncomingOperation($"op{i}", new PostChat("chat " + i)), token);
        }
    });

    // The markers are written in the background: wait until all ten are listed (not counted).
    var bucketEnd = time.GetUtcNow() + settings.ActivityBucket;
    while (await CountMarkersAsync(bucketEnd) < ActiveBoards)
    {
        await Task.Delay(20);
    }

    time.Advance(settings.ActivityBucket + settings.ActivityGrace);
    var emptyList = await EmptyListAsync();
    counter.Reset();
    var wall = Stopwatch.StartNew();
    var pass = await snapshotter.SnapshotActiveBoardsAsync(CancellationToken.None);
    wall.Stop();
    return new Row(name, idleBefore + ActiveBoards, counter.Count, counter.Kinds(), wall.Elapsed, pass, emptyList);
}

// The emulator's floor for a listing: the median of five lists of a prefix that matches nothing. Azurite scans every
// blob of the account for a prefix (a regex over its metadata), where Azure reads a range of its name index.
async Task<TimeSpan> EmptyListAsync()
{
    var container = blobs.GetBlobContainerClient(BoardStore.Container);
    var times = new List<TimeSpan>();
    for (var i = 0; i < 5; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await foreach (var _ in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "nothing-here/" }))
        {
        }

        times.Add(Stopwatch.GetElapsedTime(started));
    }

    return times.Order().ElementAt(2);
}

async Task<int> CountMarkersAsync(DateTimeOffset before)
{
    var count = 0;
    await foreach (var _ in store.ListMarkersAsync(before, CancellationToken.None))
    {
        count++;
    }

    return count;
}

// A board with a few operations and a snapshot at its last one, and no activity marker: stored, idle.
async Task SeedIdleBoardAsync(string boardId, CancellationToken token)
{
    var state = new BoardState();
    var ops = Enumerable.Range(1, 3).Select(seq => new LoggedOperation(seq, $"op{seq}", "bench", time.GetUtcNow(), new PostChat("idle " + seq))).ToList();
    var end = await log.TryAppendAsync(boardId, LogPosition.Start, ops, token) ?? throw new InvalidOperationException($"{boardId} already has a log.");
    foreach (var op in ops)
    {
        state.Apply(op);
    }

    var next = end.Next(settings.LogSegmentSize);
    var recent = ops.Select(o => new RecentOperation(o.Author, o.OpId, o.Seq, o.At)).ToList();
    await store.WriteSnapshotAsync(new BoardSnapshot(boardId, state.ToDocument(), recent, next.SegmentStart, next.Offset), token);
}

internal sealed record Row(string Name, int StoredBoards, int Requests, string Kinds, TimeSpan Wall, SnapshotPass Pass, TimeSpan EmptyList);

/// <summary>Counts storage requests and the time they take, by kind (list, or the HTTP method).</summary>
internal sealed class RequestCounter : HttpPipelinePolicy
{
    private ConcurrentDictionary<string, (int Count, long Ticks)> _kinds = new();

    public int Count => _kinds.Values.Sum(k => k.Count);

    public void Reset() => _kinds = new ConcurrentDictionary<string, (int, long)>();

    public string Kinds() => string.Join(", ", _kinds.OrderBy(k => k.Key, StringComparer.Ordinal)
        .Select(k => $"{k.Key} {k.Value.Count} ({TimeSpan.FromTicks(k.Value.Ticks).TotalMilliseconds:F0} ms)"));

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The benchmark calls storage asynchronously only.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var kind = message.Request.Uri.Query.Contains("comp=list", StringComparison.Ordinal) ? "list" : message.Request.Method.ToString();
        var started = Stopwatch.GetTimestamp();
        await ProcessNextAsync(message, pipeline);
        var ticks = Stopwatch.GetElapsedTime(started).Ticks;
        _kinds.AddOrUpdate(kind, (1, ticks), (_, k) => (k.Count + 1, k.Ticks + ticks));
    }
}

/// <summary>The benchmark has no clients to broadcast to.</summary>
internal sealed class NoBroadcast : IBoardBroadcaster
{
    public Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken) => Task.CompletedTask;
}
