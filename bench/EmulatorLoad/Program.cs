using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Bench.EmulatorLoad;
using Collab.Protocols.Jwt;

// Load driver for the Web PubSub emulator: fan-out latency against a bare Kestrel floor, and idle-connection capacity.
// Usage: dotnet run -c Release --project bench/EmulatorLoad -- <path to Collab.Emulators.dll> [runs]
// The emulator and the floor (this program with --floor PORT) run as separate processes; the fan-out runs alternate
// between them in one invocation, so both see the same machine load, and each tail is also given as a multiple of the
// floor of the same round.
const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const int Port = 18480;
const int FloorPort = 18490;
const string Hub = "bench";

if (args is ["--floor", var floorPort])
{
    await FloorServer.RunAsync(int.Parse(floorPort, CultureInfo.InvariantCulture));
    return;
}

var emulatorDll = Path.GetFullPath(args.Length > 0 ? args[0] : "Emulators/bin/Release/net10.0/Collab.Emulators.dll");
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
using var emulator = Start(emulatorDll, "--wps-port", Port.ToString(CultureInfo.InvariantCulture), "--acs-port", (Port + 1).ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1");
using var floor = Start(typeof(FloorServer).Assembly.Location, "--floor", FloorPort.ToString(CultureInfo.InvariantCulture));
try
{
    await WaitForPortAsync(Port);
    await WaitForPortAsync(FloorPort);
    var rounds = new List<(FanOutResult Emulator, FanOutResult Floor)>();
    Console.WriteLine("| Round | Emulator p50 | Emulator p99 | Floor p50 | Floor p99 | p99 ÷ floor |");
    Console.WriteLine("|---|---|---|---|---|---|");
    for (var round = 1; round <= runs; round++)
    {
        var onEmulator = await FanOutAsync(Port, receivers: 100, messagesPerSecond: 500, seconds: 10);
        var onFloor = await FanOutAsync(FloorPort, receivers: 100, messagesPerSecond: 500, seconds: 10);
        rounds.Add((onEmulator, onFloor));
        Console.WriteLine($"| {round} | {onEmulator.P50:F2} ms | {onEmulator.P99:F2} ms | {onFloor.P50:F2} ms | {onFloor.P99:F2} ms | {onEmulator.P99 / onFloor.P99:F2}× |");
    }

    Console.WriteLine();
    Console.WriteLine($"Fan-out, 100 receivers (reliable protocol), 1 sender at 500 msg/s for 10 s, {runs} rounds alternating emulator and floor: median (min–max).");
    Console.WriteLine();
    Console.WriteLine("| Server | Deliveries per run | p50 | p99 | p50 ÷ floor | p99 ÷ floor | Target |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    Console.WriteLine($"| Emulator | {rounds.Min(r => r.Emulator.Delivered):N0} | {Spread(rounds.Select(r => r.Emulator.P50))} ms | {Spread(rounds.Select(r => r.Emulator.P99))} ms | {Spread(rounds.Select(r => r.Emulator.P50 / r.Floor.P50))}× | {Spread(rounds.Select(r => r.Emulator.P99 / r.Floor.P99))}× | p99 < 5 ms, ≤ 2× floor |");
    Console.WriteLine($"| Bare Kestrel floor | {rounds.Min(r => r.Floor.Delivered):N0} | {Spread(rounds.Select(r => r.Floor.P50))} ms | {Spread(rounds.Select(r => r.Floor.P99))} ms | 1× | 1× | |");
    var capacity = await CapacityAsync(5000, emulator.Id);
    Console.WriteLine();
    Console.WriteLine($"| Capacity: 5,000 idle connections | {capacity.Connected:N0} connected; emulator RSS {capacity.RssMb:N0} MB (baseline {capacity.BaselineMb:N0} MB) | < 1 GB |");
}
finally
{
    emulator.Kill(entireProcessTree: true);
    floor.Kill(entireProcessTree: true);
}

static string Spread(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return $"{sorted[sorted.Length / 2]:F2} ({sorted[0]:F2}–{sorted[^1]:F2})";
}

static Process Start(string dll, params string[] arguments)
{
    var process = Process.Start(new ProcessStartInfo("dotnet", [dll, .. arguments])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        Environment = { ["COLLAB_EMULATORS_Logging__LogLevel__Default"] = "Warning" },
    })!;
    _ = process.StandardOutput.ReadToEndAsync();
    _ = process.StandardError.ReadToEndAsync();
    return process;
}

static Uri ClientUrl(int port, string? userId, params string[] roles)
{
    var now = DateTimeOffset.UtcNow;
    var payload = new JsonObject
    {
        ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        ["aud"] = $"http://127.0.0.1:{port}/client/hubs/{Hub}",
        ["role"] = new JsonArray(roles.Select(r => (JsonNode)r).ToArray()),
        ["webpubsub.group"] = new JsonArray("g"),
    };
    if (userId is not null)
    {
        payload["sub"] = userId;
    }

    return new Uri($"ws://127.0.0.1:{port}/client/hubs/{Hub}?access_token={Hs256Jwt.Create(payload, Encoding.UTF8.GetBytes(Key))}");
}

static async Task<ClientWebSocket> ConnectAsync(Uri url, string subprotocol)
{
    var socket = new ClientWebSocket();
    socket.Options.AddSubProtocol(subprotocol);
    socket.Options.KeepAliveInterval = TimeSpan.Zero;
    await socket.ConnectAsync(url, CancellationToken.None);
    return socket;
}

static async Task<FanOutResult> FanOutAsync(int port, int receivers, int messagesPerSecond, int seconds)
{
    var total = messagesPerSecond * seconds;
    var latencies = new double[receivers][];
    var sockets = new List<ClientWebSocket>();
    for (var i = 0; i < receivers; i++)
    {
        sockets.Add(await ConnectAsync(ClientUrl(port, "r" + i), "json.reliable.webpubsub.azure.v1"));
    }

    var readers = sockets.Select((socket, index) => Task.Run(async () =>
    {
        var own = new List<double>(total);
        var buffer = new byte[64 * 1024];
        long lastSequence = 0;
        while (own.Count < total)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            var now = Stopwatch.GetTimestamp();
            using var frame = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
            var root = frame.RootElement;
            if (root.GetProperty("type").GetString() != "message")
            {
                continue;
            }

            own.Add(Stopwatch.GetElapsedTime(root.GetProperty("data").GetProperty("t").GetInt64(), now).TotalMilliseconds);
            lastSequence = root.GetProperty("sequenceId").GetInt64();
            if (lastSequence % 100 == 0)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"sequenceAck\",\"sequenceId\":{lastSequence}}}"), WebSocketMessageType.Text, true, CancellationToken.None);
            }
        }

        latencies[index] = own.ToArray();
    })).ToArray();

    using var sender = await ConnectAsync(ClientUrl(port, "sender", "webpubsub.sendToGroup.g"), "json.webpubsub.azure.v1");
    var interval = Stopwatch.Frequency / messagesPerSecond;
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < total; i++)
    {
        var due = start + (i * interval);
        while (Stopwatch.GetTimestamp() < due)
        {
            if (due - Stopwatch.GetTimestamp() > Stopwatch.Frequency / 1000)
            {
                await Task.Delay(1);
            }
        }

        var frame = $"{{\"type\":\"sendToGroup\",\"group\":\"g\",\"noEcho\":true,\"dataType\":\"json\",\"data\":{{\"t\":{Stopwatch.GetTimestamp()},\"i\":{i}}}}}";
        await sender.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
    }

    await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
    foreach (var socket in sockets)
    {
        socket.Abort();
    }

    var all = latencies.SelectMany(l => l).Order().ToArray();
    return new FanOutResult(all.Length, all[(int)(all.Length * 0.50)], all[(int)(all.Length * 0.99)], all[^1]);
}

static async Task<(int Connected, double RssMb, double BaselineMb)> CapacityAsync(int count, int pid)
{
    GC.Collect();
    await Task.Delay(1000);
    var baseline = RssMb(pid);
    var sockets = new ClientWebSocket[count];
    using var gate = new SemaphoreSlim(50);
    await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            sockets[i] = await ConnectAsync(ClientUrl(Port, "idle" + i), "json.reliable.webpubsub.azure.v1");
        }
        finally
        {
            gate.Release();
        }
    }));
    await Task.Delay(3000);
    var rss = RssMb(pid);
    var connected = sockets.Count(s => s.State == WebSocketState.Open);
    foreach (var socket in sockets)
    {
        socket.Abort();
    }

    return (connected, rss, baseline);
}

static double RssMb(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

static async Task WaitForPortAsync(int port)
{
    using var http = new HttpClient();
    for (var i = 0; i < 100; i++)
    {
        try
        {
            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"http://127.0.0.1:{port}/api/health"));
            if (response.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(100);
    }

    throw new InvalidOperationException($"Nothing answered on port {port}.");
}

/// <summary>One fan-out run: deliveries and latency percentiles in milliseconds.</summary>
internal sealed record FanOutResult(long Delivered, double P50, double P99, double Max);
