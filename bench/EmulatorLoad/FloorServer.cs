using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Collab.Bench.EmulatorLoad;

/// <summary>
/// The fan-out floor: a bare Kestrel WebSocket server that does only what fan-out cannot avoid. Each connection is in
/// the one group; a <c>sendToGroup</c> frame is rendered once as the same <c>message</c> frame the emulator sends
/// (reliable receivers get their own <c>sequenceId</c> spliced on) and queued to every other connection, whose single
/// writer sends it. No tokens, upstream events, acks or buffers for recovery: the gap to the emulator is their cost.
/// </summary>
internal static class FloorServer
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var app = builder.Build();
        app.UseWebSockets();
        var connections = new ConcurrentDictionary<Receiver, byte>();
        app.MapMethods("/api/health", ["GET", "HEAD"], () => Results.Ok());
        app.Map("/client/hubs/{hub}", async (HttpContext context) =>
        {
            var subprotocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
            using var socket = await context.WebSockets.AcceptWebSocketAsync(subprotocol);
            var self = new Receiver(socket, subprotocol == "json.reliable.webpubsub.azure.v1");
            connections[self] = 0;
            var writer = self.WriteAsync();
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    using var frame = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                    if (frame.RootElement.GetProperty("type").GetString() == "sendToGroup")
                    {
                        var message = new SharedFrame(frame.RootElement.GetProperty("group").GetString()!, frame.RootElement.GetProperty("data").GetRawText());
                        foreach (var receiver in connections.Keys)
                        {
                            if (receiver != self)
                            {
                                receiver.Post(message);
                            }
                        }
                    }
                }
            }
            catch (WebSocketException)
            {
            }
            finally
            {
                connections.TryRemove(self, out _);
                self.Complete();
                await writer;
            }
        });
        await app.RunAsync();
    }

    /// <summary>A message rendered once for every receiver.</summary>
    private sealed class SharedFrame(string group, string data)
    {
        public byte[] Json { get; } = Encoding.UTF8.GetBytes($"{{\"type\":\"message\",\"from\":\"group\",\"group\":{JsonSerializer.Serialize(group)},\"fromUserId\":\"sender\",\"dataType\":\"json\",\"data\":{data}}}");

        public byte[] Reliable(long sequenceId)
        {
            var suffix = Encoding.ASCII.GetBytes(",\"sequenceId\":" + sequenceId.ToString(CultureInfo.InvariantCulture) + "}");
            var result = new byte[Json.Length - 1 + suffix.Length];
            Json.AsSpan(0, Json.Length - 1).CopyTo(result);
            suffix.CopyTo(result, Json.Length - 1);
            return result;
        }
    }

    /// <summary>One connection and its single writer.</summary>
    private sealed class Receiver(WebSocket socket, bool reliable)
    {
        private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        private long _sequenceId;

        public void Post(SharedFrame message) =>
            _outbox.Writer.TryWrite(reliable ? message.Reliable(Interlocked.Increment(ref _sequenceId)) : message.Json);

        public void Complete() => _outbox.Writer.TryComplete();

        public async Task WriteAsync()
        {
            try
            {
                await foreach (var frame in _outbox.Reader.ReadAllAsync())
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
            {
                _outbox.Writer.TryComplete();
            }
        }
    }
}
