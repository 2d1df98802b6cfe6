using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Collab.Emulators.WebPubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Collab.Bench.EmulatorLoad;

/// <summary>
/// The fan-out floor: a bare Kestrel WebSocket server that does only what fan-out cannot avoid. Each connection is in
/// the one group; a <c>sendToGroup</c> frame is rendered once, by the emulator's own <see cref="OutgoingMessage"/>, as
/// the same <c>message</c> frame the emulator sends (reliable receivers get their own <c>sequenceId</c> spliced on),
/// and queued to every other connection, whose single writer sends it. No tokens, upstream events, acks or buffers for recovery: the gap to the emulator is their cost.
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
                        var data = frame.RootElement.GetProperty("data");
                        var message = new OutgoingMessage("group", frame.RootElement.GetProperty("group").GetString(), "sender", new MessagePayload("json", JsonSerializer.SerializeToUtf8Bytes(data)));
                        foreach (var (receiver, _) in connections)
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

    /// <summary>One connection and its single writer.</summary>
    private sealed class Receiver(WebSocket socket, bool reliable)
    {
        private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        private long _sequenceId;

        public void Post(OutgoingMessage message) =>
            _outbox.Writer.TryWrite(reliable ? message.ReliableFrame(Interlocked.Increment(ref _sequenceId)) : message.JsonFrame);

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
