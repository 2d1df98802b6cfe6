using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Protocols.Jwt;

// Load driver for the Web PubSub emulator: fan-out latency and idle-connection capacity.
// Usage: dotnet run -c Release --project bench/EmulatorLoad -- <path to Collab.Emulators.dll>
const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const int Port = 18480;
const string Hub = "bench";

var emulatorDll = Path.GetFullPath(args.Length > 0 ? args[0] : "Emulators/bin/Release/net10.0/Collab.Emulators.dll");
using var emulator = Process.Start(new ProcessStartInfo("dotnet", [emulatorDll, "--wps-port", Port.ToString(CultureInfo.InvariantCulture), "--acs-port", (Port + 1).ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1"])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
    Environment = { ["COLLAB_EMULATORS_Logging__LogLevel__Default"] = "Warning" },
})!;
_ = emulator.StandardOutput.ReadToEndAsync();
_ = emulator.StandardError.ReadToEndAsync();
try
{
    await WaitForPortAsync();
    var fanOut = await FanOutAsync(receivers: 100, messagesPerSecond: 500, seconds: 10);
    var capacity = await CapacityAsync(5000, emulator.Id);
    Console.WriteLine($"| Fan-out: 100 receivers (reliable protocol), 1 sender at 500 msg/s for 10 s | {fanOut.Delivered:N0} deliveries, p50 {fanOut.P50:F2} ms, p99 {fanOut.P99:F2} ms, max {fanOut.Max:F2} ms | p99 < 5 ms |");
    Console.WriteLine($"| Capacity: 5,000 idle connections | {capacity.Connected:N0} connected; emulator RSS {capacity.RssMb:N0} MB (baseline {capacity.BaselineMb:N0} MB) | < 1 GB |");
}
finally
{
    emulator.Kill(entireProcessTree: true);
}

static Uri ClientUrl(string? userId, params string[] roles)
{
    var now = DateTimeOffset.UtcNow;
    var payload = new JsonObject
    {
        ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        ["aud"] = $"http://127.0.0.1:{Port}/client/hubs/{Hub}",
        ["role"] = new JsonArray(roles.Select(r => (JsonNode)r).ToArray()),
        ["webpubsub.group"] = new JsonArray("g"),
    };
    if (userId is not null)
    {
        payload["sub"] = userId;
    }

    return new Uri($"ws://127.0.0.1:{Port}/client/hubs/{Hub}?access_token={Hs256Jwt.Create(payload, Encoding.UTF8.GetBytes(Key))}");
}

static async Task<ClientWebSocket> ConnectAsync(Uri url, string subprotocol)
{
    var socket = new ClientWebSocket();
    socket.Options.AddSubProtocol(subprotocol);
    socket.Options.KeepAliveInterval = TimeSpan.Zero;
    await socket.ConnectAsync(url, CancellationToken.None);
    return socket;
}

static async Task<(long Delivered, double P50, double P99, double Max)> FanOutAsync(int receivers, int messagesPerSecond, int seconds)
{
    var total = messagesPerSecond * seconds;
    var latencies = new double[receivers][];
    var sockets = new List<ClientWebSocket>();
    for (var i = 0; i < receivers; i++)
    {
        sockets.Add(await ConnectAsync(ClientUrl("r" + i), "json.reliable.webpubsub.azure.v1"));
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

    using var sender = await ConnectAsync(ClientUrl("sender", "webpubsub.sendToGroup.g"), "json.webpubsub.azure.v1");
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
    return (all.Length, all[(int)(all.Length * 0.50)], all[(int)(all.Length * 0.99)], all[^1]);
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
            sockets[i] = await ConnectAsync(ClientUrl("idle" + i), "json.reliable.webpubsub.azure.v1");
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

static async Task WaitForPortAsync()
{
    using var http = new HttpClient();
    for (var i = 0; i < 100; i++)
    {
        try
        {
            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"http://127.0.0.1:{Port}/api/health"));
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

    throw new InvalidOperationException("The emulator did not start.");
}
