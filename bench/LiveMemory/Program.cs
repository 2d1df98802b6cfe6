using System.Diagnostics;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Functions;
using Collab.Functions.Boards;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Memory of one instance's live boards after touching N boards with one operation each, through the real engine
// (AddCollab, BoardCommitter, Blob Storage on Azurite), with the default live budget. Broadcasts go nowhere, so the
// figure is the engine's, not the Functions host's. Prints a Markdown table row per board count.
// Usage: bench/LiveMemory/run.sh [counts...] (starts Azurite and passes its blob endpoint as the first argument).
var blobEndpoint = args.Length > 0 ? args[0] : "http://127.0.0.1:10000/devstoreaccount1";
var counts = args.Length > 1 ? args[1..].SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToArray() : [1_000, 10_000];
const int Concurrency = 32;

var settings = new Dictionary<string, string?>
{
    ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint={blobEndpoint};",
    ["WebPubSub:ConnectionString"] = "Endpoint=http://127.0.0.1:9;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;",
    ["WebPubSub:Hub"] = "bench",
    ["Acs:ConnectionString"] = "endpoint=http://127.0.0.1:9/;accesskey=bG9jYWwtYWNzLWVtdWxhdG9yLWtleS1ub3QtYS1zZWNyZXQ=",
    ["FluidRelay:TenantId"] = "bench",
    ["FluidRelay:TenantKey"] = "bench-key",
    ["FluidRelay:Endpoint"] = "http://localhost:7070",
};
var services = new ServiceCollection();
services.AddLogging();
services.AddCollab(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
services.AddSingleton<IBoardBroadcaster, SilentBoardBroadcaster>();
await using var provider = services.BuildServiceProvider();
var committer = provider.GetRequiredService<BoardCommitter>();
var live = provider.GetRequiredService<LiveBoards>();
var run = Guid.NewGuid().ToString("N")[..8];

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, shared with other work; GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}.");
Console.WriteLine("| Boards touched | Loaded | Estimated bytes | Evicted (idle / boards / bytes) | GC heap after full GC | RSS | Time |");
Console.WriteLine("|---|---|---|---|---|---|---|");
var touched = 0;
var clock = Stopwatch.StartNew();
foreach (var count in counts)
{
    await Parallel.ForEachAsync(Enumerable.Range(touched, count - touched), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, ct) =>
    {
        var shape = new RectShape { Id = "s1", Color = "#112233", Width = 2, X = i % 500, Y = 10, W = 30, H = 40 };
        await committer.CommitAsync($"mem-{run}-{i}", "bench-user", new IncomingOperation("op-1", new AddShape(shape)), ct);
    });
    touched = count;
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    using var process = Process.GetCurrentProcess();
    var usage = live.Usage();
    Console.WriteLine(
        $"| {count:N0} | {usage.LoadedBoards:N0} | {usage.EstimatedBytes / 1024.0 / 1024:0.0} MiB | {usage.IdleEvictions:N0} / {usage.BoardBudgetEvictions:N0} / {usage.ByteBudgetEvictions:N0} " +
        $"| {GC.GetTotalMemory(false) / 1024.0 / 1024:0.0} MiB | {process.WorkingSet64 / 1024.0 / 1024:0.0} MiB | {clock.Elapsed.TotalSeconds:0} s |");
}
