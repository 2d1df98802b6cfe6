using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Collab.Emulators;
using Collab.Emulators.AcsIdentity;
using Collab.Emulators.WebPubSub;
using Collab.Bench.PeerComparison;
using Collab.Functions.Boards;
using Collab.LocalHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

// Collab's endpoints against the Node peer baseline (bench/node-baseline/server.mjs), same machine, same load
// generator, alternating rounds. Usage: bench/compare.sh (starts Azurite and passes its blob endpoint).
var blobEndpoint = args.Length > 0 ? args[0] : "http://127.0.0.1:10000/devstoreaccount1";
var root = args.Length > 1 ? args[1] : Directory.GetCurrentDirectory();
const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const string Hub = "bench";
const string FluidTenant = "bench-tenant";
const string FluidKey = "bench-fluid-key-0123456789";
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
await using var ours = LocalFunctionsHost.Create(
    new LocalHostOptions { Url = "http://127.0.0.1:0", MetadataPath = Path.Combine(root, "Functions/bin/Release/net10.0/functions.metadata"), WebRoot = Path.Combine(root, "web") },
    settings);
await ours.StartAsync();
var oursUrl = ours.BaseAddress();
await using var oursInMemory = LocalFunctionsHost.Create(
    new LocalHostOptions { Url = "http://127.0.0.1:0", MetadataPath = Path.Combine(root, "Functions/bin/Release/net10.0/functions.metadata") },
    settings,
    services: services =>
    {
        services.AddSingleton<IBoardLog, InMemoryBoardLog>();
        services.AddSingleton<IBoardBroadcaster, NoBroadcast>();
    });
await oursInMemory.StartAsync();

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
    var oursClients = await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(i => SignedInClientAsync(oursUrl, $"bench-user-{i}")));
    var nodeClients = Enumerable.Range(0, Concurrency).Select(i => PrincipalClient(nodeUrl, $"bench-user-{i}")).ToArray();
    Console.WriteLine($"| Endpoint ({Concurrency} concurrent, {Rounds} alternating rounds of {roundLength.TotalSeconds:0} s) | Collab req/s | Node req/s | Ratio | Collab p99 | Node p99 |");
    Console.WriteLine("|---|---|---|---|---|---|");
    await CompareAsync(oursClients, nodeClients, "negotiate (`POST /api/boards/{id}/negotiate`)", (client, n) => new HttpRequestMessage(HttpMethod.Post, $"api/boards/board-{n % 8}/negotiate"));
    await CompareAsync(oursClients, nodeClients, "Fluid token (`GET /api/fluid/token`)", (client, n) => new HttpRequestMessage(HttpMethod.Get, $"api/fluid/token?tenantId={FluidTenant}&documentId=doc-{n % 8}"));
    var inMemoryClients = Enumerable.Range(0, Concurrency).Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = oursInMemory.BaseAddress() }).ToArray();
    await CompareAsync(inMemoryClients, nodeClients, "event handler `addShape`, handler only (signature, validation, apply in memory)", (client, n) => AddShape(client, n));
    await CompareAsync(oursClients, nodeClients, "event handler `addShape`, Collab full (persisted to Azurite + broadcast) vs Node handler only", (client, n) => AddShape(client, n));
}
finally
{
    node.Kill(entireProcessTree: true);
    await ours.StopAsync();
    await oursInMemory.StopAsync();
}

async Task CompareAsync(HttpClient[] oursClients, HttpClient[] nodeClients, string name, Func<int, int, HttpRequestMessage> request)
{
    var oursResults = new List<(double, List<double>)>();
    var nodeResults = new List<(double, List<double>)>();
    await DriveAsync(oursClients, request, TimeSpan.FromSeconds(2));
    await DriveAsync(nodeClients, request, TimeSpan.FromSeconds(2));
    for (var round = 0; round < Rounds; round++)
    {
        oursResults.Add(await DriveAsync(oursClients, request, roundLength));
        nodeResults.Add(await DriveAsync(nodeClients, request, roundLength));
    }

    var (oursRate, oursP99) = Summarise(oursResults);
    var (nodeRate, nodeP99) = Summarise(nodeResults);
    Console.WriteLine($"| {name} | {oursRate:N0} | {nodeRate:N0} | **{oursRate / nodeRate:F1}×** | {oursP99:F2} ms | {nodeP99:F2} ms |");
}

static (double Rate, double P99) Summarise(List<(double Rate, List<double> Latencies)> rounds)
{
    var all = rounds.SelectMany(r => r.Latencies).Order().ToList();
    return (rounds.Average(r => r.Rate), all[(int)(all.Count * 0.99)]);
}

static async Task<(double Rate, List<double> Latencies)> DriveAsync(HttpClient[] clients, Func<int, int, HttpRequestMessage> build, TimeSpan duration)
{
    var latencies = new List<double>[clients.Length];
    var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var started = Stopwatch.GetTimestamp();
    var errors = 0;
    await Task.WhenAll(clients.Select(async (client, worker) =>
    {
        latencies[worker] = [];
        for (var n = 0; Stopwatch.GetTimestamp() < stopAt; n++)
        {
            using var request = build(worker, n);
            var sent = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            latencies[worker].Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (!response.IsSuccessStatusCode && Interlocked.Increment(ref errors) == 1)
            {
                Console.Error.WriteLine($"{(int)response.StatusCode} from {client.BaseAddress}{request.RequestUri}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }));
    if (errors > 0)
    {
        throw new InvalidOperationException($"{errors} requests failed to {clients[0].BaseAddress}.");
    }

    return (latencies.Sum(l => l.Count) / Stopwatch.GetElapsedTime(started).TotalSeconds, latencies.SelectMany(l => l).ToList());
}

static HttpRequestMessage AddShape(int worker, int n) =>
    Collab.Bench.SignedAddShape.Create(new Uri("api/eventhandler", UriKind.Relative), Hub, Key, $"conn-{worker}", $"user-{worker}", $"peer-board-{worker % 8}", n);

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
