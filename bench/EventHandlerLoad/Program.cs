using System.Diagnostics;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Emulators;
using Collab.Emulators.WebPubSub;
using Collab.Functions;
using Collab.Functions.Hub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Event-handler throughput and board load time, against Azurite and the in-process Web PubSub emulator.
// Usage: bench/EventHandlerLoad/run.sh (starts Azurite and passes its blob endpoint as the first argument).
var blobEndpoint = args.Length > 0 ? args[0] : "http://127.0.0.1:10000/devstoreaccount1";
const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const string Hub = "bench";

var emulatorOptions = new WebPubSubEmulatorOptions();
await using var emulator = WebPubSubEmulatorApp.Create(emulatorOptions, "http://127.0.0.1:0", logging => logging.ClearProviders());
await emulator.StartAsync();
var wpsEndpoint = Address(emulator);

var settings = new Dictionary<string, string?>
{
    ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint={blobEndpoint};",
    ["WebPubSub:ConnectionString"] = $"Endpoint={wpsEndpoint.TrimEnd('/')};AccessKey={Key};Version=1.0;",
    ["WebPubSub:Hub"] = Hub,
    ["Acs:ConnectionString"] = "endpoint=http://127.0.0.1:9/;accesskey=bG9jYWwtYWNzLWVtdWxhdG9yLWtleS1ub3QtYS1zZWNyZXQ=",
    ["FluidRelay:TenantId"] = "bench",
    ["FluidRelay:TenantKey"] = "bench-key",
    ["FluidRelay:Endpoint"] = "http://localhost:7070",
    // Each worker is one connection sending as fast as it can: the per-connection operation limit would measure itself.
    ["EventHandler:OperationsPerSecond"] = "100000",
    ["EventHandler:OperationBurst"] = "1000000",
};

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.ClearProviders();
builder.Services.AddMvcCore();
builder.Services.AddCollab(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
var app = builder.Build();
app.MapMethods("/api/eventhandler", ["OPTIONS", "POST"], async context =>
{
    var function = ActivatorUtilities.CreateInstance<WebPubSubEventsFunction>(context.RequestServices);
    var result = await function.Run(context.Request, context.RequestAborted);
    await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
});
await app.StartAsync();
var handlerUrl = new Uri(Address(app) + "api/eventhandler");

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 });
var run = Guid.NewGuid().ToString("N")[..8];
Console.WriteLine("| Scenario | Requests/s | p50 | p99 | Errors |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (boards, concurrency) in new[] { (1, 32), (8, 32) })
{
    await DriveAsync(http, handlerUrl, $"{run}-{boards}", boards, concurrency, TimeSpan.FromSeconds(2));
    var result = await DriveAsync(http, handlerUrl, $"{run}-{boards}", boards, concurrency, TimeSpan.FromSeconds(10));
    Console.WriteLine($"| addShape, signature check + commit to Azurite, {boards} board(s), {concurrency} concurrent | {result.PerSecond:N0} | {result.P50:F2} ms | {result.P99:F2} ms | {result.Errors} |");
}

await app.StopAsync();
Console.WriteLine();
Console.WriteLine("| Operations on the board | Load without a snapshot | Load with a snapshot at the last op | Snapshot bytes |");
Console.WriteLine("|---|---|---|---|");
foreach (var size in new[] { 1_000, 10_000, 100_000 })
{
    var loadBoard = $"load-{run}-{size}";
    using (var writer = Services(settings))
    {
        var committer = writer.GetRequiredService<BoardCommitter>();
        for (var start = 0; start < size; start += 250)
        {
            await Task.WhenAll(Enumerable.Range(start, 250).Select(i => committer.CommitAsync(loadBoard, "bench", Operation(i), CancellationToken.None)));
        }
    }

    var without = await MedianLoadAsync(settings, loadBoard, size);
    long bytes;
    using (var writer = Services(settings))
    {
        var snapshot = (await writer.GetRequiredService<LiveBoards>().SnapshotCurrentAsync(loadBoard, CancellationToken.None))!;
        bytes = SnapshotFormat.Write(snapshot).Length;
        await writer.GetRequiredService<BoardStore>().WriteSnapshotAsync(snapshot, CancellationToken.None);
    }

    Console.WriteLine($"| {size:N0} | {without:F1} ms | {await MedianLoadAsync(settings, loadBoard, size):F1} ms | {bytes:N0} |");
}

await emulator.StopAsync();

static async Task<double> MedianLoadAsync(Dictionary<string, string?> settings, string boardId, long expectedSeq)
{
    var times = new List<double>();
    for (var i = 0; i < 5; i++)
    {
        using var services = Services(settings);
        var watch = Stopwatch.StartNew();
        var state = await services.GetRequiredService<LiveBoards>().GetCurrentAsync(boardId, CancellationToken.None);
        times.Add(watch.Elapsed.TotalMilliseconds);
        if (state.Seq != expectedSeq)
        {
            throw new InvalidOperationException($"Loaded seq {state.Seq}, expected {expectedSeq}.");
        }
    }

    return times.Order().ElementAt(times.Count / 2);
}

static ServiceProvider Services(Dictionary<string, string?> settings) =>
    new ServiceCollection().AddLogging().AddCollab(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();

static IncomingOperation Operation(int i) => new(
    "op" + i,
    new AddShape(new PolylineShape { Id = "s" + (i % 500), Color = "#1e90ff", Width = 2, Points = [[i % 800, i % 600], [(i + 40) % 800, (i + 25) % 600], [(i + 80) % 800, (i + 5) % 600]] }));

static async Task<(double PerSecond, double P50, double P99, int Errors)> DriveAsync(HttpClient http, Uri url, string prefix, int boards, int concurrency, TimeSpan duration)
{
    var latencies = new List<double>[concurrency];
    var errors = 0;
    var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        latencies[worker] = [];
        var connectionId = $"{prefix}-conn-{worker}";
        for (var n = 0; Stopwatch.GetTimestamp() < stopAt; n++)
        {
            var boardId = $"{prefix}-board-{(worker + n) % boards}";
            using var request = Collab.Bench.SignedAddShape.Create(url, Hub, Key, connectionId, "user-" + worker, boardId, n);
            var sent = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            latencies[worker].Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref errors);
            }
        }
    }));
    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToList();
    return (all.Count / elapsed, all[all.Count / 2], all[(int)(all.Count * 0.99)], errors);
}

static string Address(WebApplication app) =>
    app.BaseAddress().AbsoluteUri;
