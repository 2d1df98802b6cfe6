using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Emulators;
using Collab.Emulators.AcsIdentity;
using Collab.Emulators.WebPubSub;
using Collab.LocalHost.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

// The worker's memory as boards accumulate (issue 15): boards are created in storage, then each gets one addShape
// through the local host and the real isolated worker (signed upstream event, commit to Azurite, broadcast), and the
// worker's resident memory is read from /proc after each total. Usage: bench/BoardScale/run.sh [totals...].
var blobEndpoint = args[0];
var root = args[1];
var totals = args.Skip(2).SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const string Hub = "bench";
const int Concurrency = 32;

await using var webPubSub = WebPubSubEmulatorApp.Create(new WebPubSubEmulatorOptions(), "http://127.0.0.1:0", logging => logging.ClearProviders());
var acsOptions = new AcsIdentityEmulatorOptions();
await using var acs = AcsIdentityEmulatorApp.Create(acsOptions, "http://127.0.0.1:0", logging => logging.ClearProviders());
await webPubSub.StartAsync();
await acs.StartAsync();

var storage = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint={blobEndpoint};";
var settings = LocalSettings.Load(Path.Combine(root, "local.settings.sample.json"));
settings["AzureWebJobsStorage"] = storage;
settings["WebPubSub:ConnectionString"] = $"Endpoint={webPubSub.BaseAddress().AbsoluteUri.TrimEnd('/')};AccessKey={Key};Version=1.0;";
settings["WebPubSub:Hub"] = Hub;
settings["Acs:ConnectionString"] = $"endpoint={acs.BaseAddress()};accesskey={acsOptions.AccessKey}";
settings["RateLimit:PermitsPerMinute"] = "100000";

await using var host = await LocalFunctionsHost.StartAsync(
    new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = Path.Combine(root, "Functions/bin/Release/net10.0"), WebRoot = "" },
    settings,
    builder => builder.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
var workerId = host.Worker.Current!.ProcessId;
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }) { BaseAddress = host.BaseAddress };
var store = new BoardStore(new BlobServiceClient(storage), NullLogger<BoardStore>.Instance);
var run = Guid.NewGuid().ToString("N")[..6];

Console.WriteLine($"| Boards touched (one op each, {Concurrency} concurrent senders) | Worker RSS after | Worker peak RSS | Loaded boards | Their estimated bytes | Evicted (idle / boards / bytes) | Touch rate | Refused or failed | Health |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
var done = 0;
foreach (var total in totals)
{
    var boards = Enumerable.Range(done, total - done).Select(i => $"scale-{run}-{i}").ToList();
    await Parallel.ForEachAsync(boards, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (boardId, cancellationToken) =>
        await store.CreateOrUpdateAsync(new BoardMetadata(boardId, "Scale", BoardVisibility.Public, "owner-" + boardId, [], DateTimeOffset.UtcNow), "owner-" + boardId, cancellationToken));

    var failed = 0;
    var watch = Stopwatch.StartNew();
    await Parallel.ForEachAsync(boards.Select((id, i) => (id, i: done + i)), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (board, cancellationToken) =>
    {
        using var request = Collab.Bench.SignedAddShape.Create(new Uri("api/eventhandler", UriKind.Relative), Hub, Key, $"scale-conn-{board.i}", $"user-{board.i % Concurrency}", board.id, 0);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            Interlocked.Increment(ref failed);
        }
    });
    var rate = boards.Count / watch.Elapsed.TotalSeconds;
    done = total;
    await Task.Delay(TimeSpan.FromSeconds(3));
    var (rss, peak) = Memory(workerId);
    using var health = JsonDocument.Parse(await http.GetStringAsync("api/health"));
    var status = health.RootElement.GetProperty("status").GetString();
    var reason = health.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? $": {r}" : "";
    var live = health.RootElement.GetProperty("liveBoards");
    long Live(string name) => live.GetProperty(name).GetInt64();
    Console.WriteLine($"| {total:N0} | **{rss / 1024.0:N0} MB** | {peak / 1024.0:N0} MB | {Live("loadedBoards"):N0} | {Live("estimatedBytes") / 1048576.0:N1} MiB | {Live("idleEvictions"):N0} / {Live("boardBudgetEvictions"):N0} / {Live("byteBudgetEvictions"):N0} | {rate:N0} ops/s | {failed} | {status}{reason} |");
}

// VmRSS and VmHWM of a process, in KiB.
static (long Rss, long Peak) Memory(int processId)
{
    var lines = File.ReadAllLines($"/proc/{processId}/status");
    long Read(string key) => long.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    return (Read("VmRSS:"), Read("VmHWM:"));
}
