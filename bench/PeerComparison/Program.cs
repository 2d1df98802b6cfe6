using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Collab.Bench.PeerComparison;
using Collab.Emulators;
using Collab.Emulators.AcsIdentity;
using Collab.Emulators.WebPubSub;
using Collab.LocalHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

// Collab's endpoints against the Node peer baseline (bench/node-baseline/server.mjs), same machine, same load
// generator, alternating rounds; Collab runs in the real isolated worker behind the local Functions host. Then the
// floor: a constant answered by a bare in-process Kestrel and by a one-function app (bench/FloorApp) through the same
// host and worker, which isolates the host's per-request overhead. First of all, the cost of telemetry: the same
// Collab with its OpenTelemetry off and on (OTLP/gRPC to a sink in this process), alternating. Usage:
// bench/compare.sh [telemetry] (starts Azurite; with "telemetry", only the telemetry table).
var blobEndpoint = args.Length > 0 ? args[0] : "http://127.0.0.1:10000/devstoreaccount1";
var root = args.Length > 1 ? args[1] : Directory.GetCurrentDirectory();
var telemetryOnly = args.Length > 2 && args[2] == "telemetry";
const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const string Hub = "bench";
const string FluidTenant = "bench-tenant";
const string FluidKey = "bench-fluid-key-0123456789";
const string FloorAnswer = "ok";
const int Concurrency = 32;
const int Rounds = 3;
var roundLength = TimeSpan.FromSeconds(5);

await using var webPubSub = WebPubSubEmulatorApp.Create(new WebPubSubEmulatorOptions(), "http://127.0.0.1:0");
var acsOptions = new AcsIdentityEmulatorOptions();
await using var acs = AcsIdentityEmulatorApp.Create(acsOptions, "http://127.0.0.1:0");
await webPubSub.StartAsync();
await acs.StartAsync();
var wpsConnection = $"Endpoint={webPubSub.BaseAddress().AbsoluteUri.TrimEnd('/')};AccessKey={Key};Version=1.0;";

var settings = LocalSettings.Load(Path.Combine(root, "local.settings.sample.json"));
settings["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint={blobEndpoint};";
settings["WebPubSub:ConnectionString"] = wpsConnection;
settings["WebPubSub:Hub"] = Hub;
settings["Acs:ConnectionString"] = $"endpoint={acs.BaseAddress()};accesskey={acsOptions.AccessKey}";
settings["FluidRelay:TenantId"] = FluidTenant;
settings["FluidRelay:TenantKey"] = FluidKey;
settings["RateLimit:PermitsPerMinute"] = "100000";
// Each worker is one connection sending as fast as it can: the per-connection operation limit would measure itself.
settings["EventHandler:OperationsPerSecond"] = "100000";
settings["EventHandler:OperationBurst"] = "1000000";
var functionApp = Path.Combine(root, "Functions/bin/Release/net10.0");
// Warnings and errors of the hosts and workers go to stderr, so the tables on stdout stay clean.
Action<ILoggingBuilder> logging = builder => builder
    .AddSimpleConsole(o => o.SingleLine = true)
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
    .SetMinimumLevel(LogLevel.Warning);

// Start to first answer: from the StartAsync call (gRPC server, worker process, init, indexing, loads, front door)
// to the first 200 of GET /api/health, which needs storage, Web PubSub and ACS to answer through the worker.
var startClock = Stopwatch.StartNew();
await using var ours = await LocalFunctionsHost.StartAsync(
    new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = functionApp, WebRoot = Path.Combine(root, "web") },
    settings,
    logging);
var oursStarted = startClock.Elapsed;
var oursFirstAnswer = await FirstAnswerAsync(ours.BaseAddress, "api/health", startClock);

// Telemetry on: the exporter as the default configuration ships it (no sampler set, so every trace is recorded; the
// batch span processor's and the metric reader's default intervals and limits) to an OTLP/gRPC sink that answers each
// export at once, as a collector beside the app would; only OTEL_EXPORTER_OTLP_ENDPOINT differs from the side above.
var otlpSink = await OtlpSink.StartAsync();
await using var oursTelemetry = await LocalFunctionsHost.StartAsync(
    new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = functionApp, WebRoot = "" },
    new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase) { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpSink.Endpoint.AbsoluteUri },
    logging);
await FirstAnswerAsync(oursTelemetry.BaseAddress, "api/health", Stopwatch.StartNew());

var oursClients = await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(i => SignedInClientAsync(ours.BaseAddress, $"bench-user-{i}")));
// Negotiate and operations are admitted only on boards that exist: public ones, so every bench user may draw. Each
// instance that commits gets boards of its own (peer-, tel-), as instances behind a load balancer would hold theirs.
foreach (var boardId in Enumerable.Range(0, 8).SelectMany(k => new[] { $"board-{k}", $"peer-board-{k}", $"tel-board-{k}" }))
{
    using var created = await oursClients[0].PutAsync($"api/boards/{boardId}", new StringContent("""{"title":"bench","visibility":"public"}""", Encoding.UTF8, "application/json"));
    created.EnsureSuccessStatusCode();
}

// A Fluid token is for the container recorded on its board.
foreach (var k in Enumerable.Range(0, 8))
{
    using var recorded = await oursClients[0].PutAsync($"api/boards/board-{k}/fluid", new StringContent($$"""{"containerId":"doc-{{k}}"}""", Encoding.UTF8, "application/json"));
    recorded.EnsureSuccessStatusCode();
}

using (var oursWorker = Process.GetProcessById(ours.Worker.Current!.ProcessId))
using (var telemetryWorker = Process.GetProcessById(oursTelemetry.Worker.Current!.ProcessId))
{
    var telemetryClients = await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(i => SignedInClientAsync(oursTelemetry.BaseAddress, $"bench-user-{i}")));
    Console.WriteLine($"| Telemetry off vs on ({Concurrency} concurrent, {Rounds} alternating rounds of {roundLength.TotalSeconds:0} s) | Off req/s | On req/s | On / off | Off p99 | On p99 | Off CPU per request (worker) | On CPU per request (worker) |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    await CompareTelemetryAsync("negotiate (`POST /api/boards/{id}/negotiate`)", oursClients, telemetryClients, (client, n) => new HttpRequestMessage(HttpMethod.Post, $"api/boards/board-{n % 8}/negotiate"));
    await CompareTelemetryAsync("Fluid token (`GET /api/fluid/token`)", oursClients, telemetryClients, (client, n) => new HttpRequestMessage(HttpMethod.Get, $"api/fluid/token?tenantId={FluidTenant}&documentId=doc-{n % 8}&boardId=board-{n % 8}"));
    await CompareTelemetryAsync(
        "event handler `addShape`, full (persisted to Azurite + broadcast)",
        Clients(ours.BaseAddress, Concurrency),
        Clients(oursTelemetry.BaseAddress, Concurrency),
        (client, n) => AddShape(client, n),
        (client, n) => AddShape(client, n, "tel-board"));
    Console.WriteLine();
    Console.WriteLine($"Telemetry on: the sink took {otlpSink.Requests:N0} OTLP export requests ({otlpSink.Bytes / 1024.0 / 1024.0:N1} MiB, {otlpSink.TraceRequests:N0} of them traces).");
    if (otlpSink.TraceRequests == 0)
    {
        throw new InvalidOperationException("The telemetry-on worker exported no traces: the comparison measured nothing.");
    }

    async Task CompareTelemetryAsync(string name, HttpClient[] offClients, HttpClient[] onClients, Func<int, int, HttpRequestMessage> request, Func<int, int, HttpRequestMessage>? onRequest = null)
    {
        var (off, on) = await AlternateAsync(offClients, onClients, request, oursWorker, telemetryWorker, onRequest);
        Console.WriteLine($"| {name} | {off.Rate:N0} | {on.Rate:N0} | **{on.Rate / off.Rate:P0}** | {off.P99:F2} ms | {on.P99:F2} ms | {off.OwnCpu + off.WorkerCpu:N0} µs ({off.WorkerCpu:N0}) | {on.OwnCpu + on.WorkerCpu:N0} µs ({on.WorkerCpu:N0}) |");
    }
}

await otlpSink.DisposeAsync();
if (telemetryOnly)
{
    return;
}

Console.WriteLine();

var handlerOnlySettings = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase) { ["Boards:HandlerOnly"] = "true" };
startClock.Restart();
await using var oursHandlerOnly = await LocalFunctionsHost.StartAsync(
    new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = functionApp, WebRoot = "" },
    handlerOnlySettings,
    logging);
var handlerOnlyStarted = startClock.Elapsed;
var handlerOnlyFirstAnswer = await FirstAnswerAsync(oursHandlerOnly.BaseAddress, "api/health", startClock);

startClock.Restart();
await using var floor = await LocalFunctionsHost.StartAsync(
    new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = Path.Combine(root, "bench/FloorApp/bin/Release/net10.0"), WebRoot = "" },
    new Dictionary<string, string?>(),
    logging);
var floorStarted = startClock.Elapsed;
var floorFirstAnswer = await FirstAnswerAsync(floor.BaseAddress, "api/floor", startClock);

var bareBuilder = WebApplication.CreateSlimBuilder();
bareBuilder.WebHost.UseUrls("http://127.0.0.1:0");
bareBuilder.Logging.ClearProviders();
await using var bare = bareBuilder.Build();
bare.MapGet("/api/floor", () => FloorAnswer);
await bare.StartAsync();
var bareUrl = new Uri(bare.Urls.First().TrimEnd('/') + "/");

var nodePort = FreePort();
using var node = Process.Start(new ProcessStartInfo("node", [Path.Combine(root, "bench/node-baseline/server.mjs")])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
    Environment =
    {
        ["PORT"] = nodePort.ToString(CultureInfo.InvariantCulture),
        ["WPS_CONNECTION_STRING"] = wpsConnection,
        ["WPS_HUB"] = Hub,
        ["FLUID_TENANT_ID"] = FluidTenant,
        ["FLUID_TENANT_KEY"] = FluidKey,
    },
})!;
await node.StandardOutput.ReadLineAsync();
var nodeUrl = new Uri($"http://127.0.0.1:{nodePort}/");

try
{
    var nodeClients = Enumerable.Range(0, Concurrency).Select(i => PrincipalClient(nodeUrl, $"bench-user-{i}")).ToArray();
    using var oursWorker = Process.GetProcessById(ours.Worker.Current!.ProcessId);
    using var handlerOnlyWorker = Process.GetProcessById(oursHandlerOnly.Worker.Current!.ProcessId);
    Console.WriteLine($"| Endpoint ({Concurrency} concurrent, {Rounds} alternating rounds of {roundLength.TotalSeconds:0} s) | Collab req/s | Node req/s | Ratio | Collab p99 | Node p99 | Collab CPU per request | Node CPU per request |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    await CompareAsync(oursClients, oursWorker, nodeClients, "negotiate (`POST /api/boards/{id}/negotiate`)", (client, n) => new HttpRequestMessage(HttpMethod.Post, $"api/boards/board-{n % 8}/negotiate"));
    await CompareAsync(oursClients, oursWorker, nodeClients, "Fluid token (`GET /api/fluid/token`)", (client, n) => new HttpRequestMessage(HttpMethod.Get, $"api/fluid/token?tenantId={FluidTenant}&documentId=doc-{n % 8}&boardId=board-{n % 8}"));
    await CompareAsync(Clients(oursHandlerOnly.BaseAddress, Concurrency), handlerOnlyWorker, nodeClients, "event handler `addShape`, handler only (`Boards:HandlerOnly`: signature, validation, apply in memory)", (client, n) => AddShape(client, n));
    await CompareAsync(oursClients, oursWorker, nodeClients, "event handler `addShape`, Collab full (persisted to Azurite + broadcast) vs Node handler only", (client, n) => AddShape(client, n));

    Console.WriteLine();
    Console.WriteLine($"| Floor: `GET /api/floor` answers \"{FloorAnswer}\" ({Rounds} alternating rounds of {roundLength.TotalSeconds:0} s) | Bare Kestrel, in-process | Through host + worker | Host overhead |");
    Console.WriteLine("|---|---|---|---|");
    var floorRequest = (int client, int n) => new HttpRequestMessage(HttpMethod.Get, "api/floor");
    using var floorWorker = Process.GetProcessById(floor.Worker.Current!.ProcessId);
    var (bareSerial, floorSerial) = await AlternateAsync(Clients(bareUrl, 1), Clients(floor.BaseAddress, 1), floorRequest);
    Console.WriteLine($"| 1 client, one request at a time: p50 | {bareSerial.P50 * 1000:N0} µs | {floorSerial.P50 * 1000:N0} µs | **+{(floorSerial.P50 - bareSerial.P50) * 1000:N0} µs** per request |");
    Console.WriteLine($"| 1 client, one request at a time: p99 | {bareSerial.P99 * 1000:N0} µs | {floorSerial.P99 * 1000:N0} µs | +{(floorSerial.P99 - bareSerial.P99) * 1000:N0} µs |");
    var (bareLoaded, floorLoaded) = await AlternateAsync(Clients(bareUrl, Concurrency), Clients(floor.BaseAddress, Concurrency), floorRequest, secondWorker: floorWorker);
    Console.WriteLine($"| {Concurrency} concurrent: req/s | {bareLoaded.Rate:N0} | {floorLoaded.Rate:N0} | {floorLoaded.Rate / bareLoaded.Rate:P0} of bare |");
    Console.WriteLine($"| {Concurrency} concurrent: p99 | {bareLoaded.P99:F2} ms | {floorLoaded.P99:F2} ms | +{floorLoaded.P99 - bareLoaded.P99:F2} ms |");
    Console.WriteLine($"| {Concurrency} concurrent: CPU per request, benchmark process (load generator + bare Kestrel, or + host front door and gRPC server) | {bareLoaded.OwnCpu:N0} µs | {floorLoaded.OwnCpu:N0} µs | +{floorLoaded.OwnCpu - bareLoaded.OwnCpu:N0} µs |");
    Console.WriteLine($"| {Concurrency} concurrent: CPU per request, worker process | – | {floorLoaded.WorkerCpu:N0} µs | +{floorLoaded.WorkerCpu:N0} µs |");
    Console.WriteLine($"| {Concurrency} concurrent: CPU per request, total | {bareLoaded.OwnCpu:N0} µs | {floorLoaded.OwnCpu + floorLoaded.WorkerCpu:N0} µs | **+{floorLoaded.OwnCpu + floorLoaded.WorkerCpu - bareLoaded.OwnCpu:N0} µs** per request |");

    Console.WriteLine();
    Console.WriteLine("| Start to first answer | `StartAsync` returned (worker started, functions loaded) | First 200 |");
    Console.WriteLine("|---|---|---|");
    Console.WriteLine($"| Collab, first start in this process (`GET /api/health`) | {oursStarted.TotalMilliseconds:N0} ms | **{oursFirstAnswer.TotalMilliseconds:N0} ms** |");
    Console.WriteLine($"| Collab handler only, second start (`GET /api/health`) | {handlerOnlyStarted.TotalMilliseconds:N0} ms | {handlerOnlyFirstAnswer.TotalMilliseconds:N0} ms |");
    Console.WriteLine($"| Floor app (`GET /api/floor`) | {floorStarted.TotalMilliseconds:N0} ms | {floorFirstAnswer.TotalMilliseconds:N0} ms |");
}
finally
{
    node.Kill(entireProcessTree: true);
}

async Task CompareAsync(HttpClient[] oursClients, Process oursWorker, HttpClient[] nodeClients, string name, Func<int, int, HttpRequestMessage> request)
{
    var (oursResult, nodeResult) = await AlternateAsync(oursClients, nodeClients, request, oursWorker, node);
    Console.WriteLine($"| {name} | {oursResult.Rate:N0} | {nodeResult.Rate:N0} | **{oursResult.Rate / nodeResult.Rate:F1}×** | {oursResult.P99:F2} ms | {nodeResult.P99:F2} ms | {oursResult.OwnCpu + oursResult.WorkerCpu:N0} µs ({oursResult.WorkerCpu:N0} in the worker) | {nodeResult.OwnCpu + nodeResult.WorkerCpu:N0} µs ({nodeResult.WorkerCpu:N0} in Node) |");
}

// A 2-second warm-up each, then rounds alternating between the two, so that drift on the shared cores hits both.
// CPU is counted for this process (load generator, in-process servers, the host's front door) and, when given, a
// worker process.
// The second side sends secondRequest's requests when given.
async Task<(Summary First, Summary Second)> AlternateAsync(HttpClient[] first, HttpClient[] second, Func<int, int, HttpRequestMessage> request, Process? firstWorker = null, Process? secondWorker = null, Func<int, int, HttpRequestMessage>? secondRequest = null)
{
    secondRequest ??= request;
    var firstRounds = new List<Round>();
    var secondRounds = new List<Round>();
    await DriveAsync(first, request, TimeSpan.FromSeconds(2), firstWorker);
    await DriveAsync(second, secondRequest, TimeSpan.FromSeconds(2), secondWorker);
    for (var round = 0; round < Rounds; round++)
    {
        firstRounds.Add(await DriveAsync(first, request, roundLength, firstWorker));
        secondRounds.Add(await DriveAsync(second, secondRequest, roundLength, secondWorker));
    }

    return (Summarise(firstRounds), Summarise(secondRounds));
}

static Summary Summarise(List<Round> rounds)
{
    var all = rounds.SelectMany(r => r.Latencies).Order().ToList();
    return new Summary(
        rounds.Average(r => r.Rate),
        all[all.Count / 2],
        all[(int)(all.Count * 0.99)],
        rounds.Sum(r => r.OwnCpu.TotalMicroseconds) / all.Count,
        rounds.Sum(r => r.WorkerCpu.TotalMicroseconds) / all.Count);
}

static async Task<Round> DriveAsync(HttpClient[] clients, Func<int, int, HttpRequestMessage> build, TimeSpan duration, Process? worker)
{
    var latencies = new List<double>[clients.Length];
    var ownCpu = Cpu(null);
    var workerCpu = Cpu(worker);
    var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var started = Stopwatch.GetTimestamp();
    var errors = 0;
    await Task.WhenAll(clients.Select(async (client, index) =>
    {
        latencies[index] = [];
        for (var n = 0; Stopwatch.GetTimestamp() < stopAt; n++)
        {
            using var request = build(index, n);
            var sent = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            latencies[index].Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (!response.IsSuccessStatusCode && Interlocked.Increment(ref errors) == 1)
            {
                Console.Error.WriteLine($"{(int)response.StatusCode} from {client.BaseAddress}{request.RequestUri}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }));
    var elapsed = Stopwatch.GetElapsedTime(started);
    if (errors > 0)
    {
        throw new InvalidOperationException($"{errors} requests failed to {clients[0].BaseAddress}.");
    }

    return new Round(latencies.Sum(l => l.Count) / elapsed.TotalSeconds, latencies.SelectMany(l => l).ToList(), Cpu(null) - ownCpu, worker is null ? TimeSpan.Zero : Cpu(worker) - workerCpu);
}

// The processor time so far of this process (null) or of another one.
static TimeSpan Cpu(Process? process)
{
    if (process is null)
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    process.Refresh();
    return process.TotalProcessorTime;
}

static async Task<TimeSpan> FirstAnswerAsync(Uri baseAddress, string path, Stopwatch clock)
{
    using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    while (true)
    {
        using var response = await client.GetAsync(path);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return clock.Elapsed;
        }

        if (clock.Elapsed > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"{baseAddress}{path} still answers {(int)response.StatusCode} after a minute: {await response.Content.ReadAsStringAsync()}");
        }

        await Task.Delay(10);
    }
}

static HttpRequestMessage AddShape(int worker, int n, string boards = "peer-board") =>
    Collab.Bench.SignedAddShape.Create(new Uri("api/eventhandler", UriKind.Relative), Hub, Key, $"conn-{worker}", $"user-{worker}", $"{boards}-{worker % 8}", n);

static HttpClient[] Clients(Uri baseAddress, int count) =>
    Enumerable.Range(0, count).Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = baseAddress }).ToArray();

static HttpClient PrincipalClient(Uri baseAddress, string userId)
{
    var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = baseAddress };
    client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL", Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"auth_typ":"dev","claims":[],"name_typ":"name","role_typ":"roles"}""")));
    client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL-ID", userId);
    client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL-NAME", userId);
    return client;
}

static async Task<HttpClient> SignedInClientAsync(Uri baseAddress, string name)
{
    var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, MaxConnectionsPerServer = 4 }) { BaseAddress = baseAddress };
    using var signIn = await client.PostAsync(".auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = name }));
    return signIn.StatusCode == HttpStatusCode.Redirect ? client : throw new InvalidOperationException("Dev sign-in failed.");
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>One timed round: req/s, each request's latency in milliseconds, CPU used by this process and by the worker.</summary>
internal sealed record Round(double Rate, List<double> Latencies, TimeSpan OwnCpu, TimeSpan WorkerCpu);

/// <summary>A side's figures over all its rounds: mean req/s, p50 and p99 latency in milliseconds, CPU per request in microseconds.</summary>
internal sealed record Summary(double Rate, double P50, double P99, double OwnCpu, double WorkerCpu);
