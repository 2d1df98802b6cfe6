using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Protocols.Jwt;

namespace Collab.Testing;

/// <summary>A bare .NET WebSocket client for the emulator, for the frames the SDK would never send.</summary>
public sealed class WebSocketTestClient : IAsyncDisposable
{
    private WebSocketTestClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    /// <summary>Mints an HS256 client token the way the SDKs do (web-pubsub.md §3.1).</summary>
    public static string Token(EmulatorHost emulators, string hub, string? userId = null, string[]? roles = null, TimeSpan? lifetime = null, string? audience = null, string? key = null)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime ?? TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
            ["aud"] = audience ?? $"{emulators.WebPubSubEndpoint}client/hubs/{hub}",
        };
        if (userId is not null)
        {
            payload["sub"] = userId;
        }

        if (roles is not null)
        {
            payload["role"] = new JsonArray(roles.Select(r => (JsonNode)r).ToArray());
        }

        return Hs256Jwt.Create(payload, Encoding.UTF8.GetBytes(key ?? emulators.WebPubSubOptions.AccessKey));
    }

    public static Uri Url(EmulatorHost emulators, string hub, string token) =>
        new($"ws://{emulators.WebPubSubEndpoint.Authority}/client/hubs/{hub}?access_token={token}");

    public static async Task<WebSocketTestClient> ConnectAsync(Uri url, string? subprotocol = "json.webpubsub.azure.v1")
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (subprotocol is not null)
        {
            socket.Options.AddSubProtocol(subprotocol);
        }

        await socket.ConnectAsync(url, CancellationToken.None);
        return new WebSocketTestClient(socket);
    }

    /// <summary>The HTTP status of a refused upgrade.</summary>
    public static async Task<int> RefusedStatusAsync(Uri url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("json.webpubsub.azure.v1");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, CancellationToken.None));
        return (int)socket.HttpStatusCode;
    }

    public Task SendAsync(string text) => Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendAsync(byte[] bytes, WebSocketMessageType type) => Socket.SendAsync(bytes, type, true, CancellationToken.None);

    /// <summary>The next text frame, or null when the server closed the socket.</summary>
    public async Task<string?> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        WebSocketReceiveResult result;
        do
        {
            result = await Socket.ReceiveAsync(chunk, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads frames until one of <paramref name="type"/> arrives.</summary>
    public async Task<JsonElement> ReceiveAsync(string type)
    {
        while (await ReceiveAsync() is { } frame)
        {
            var element = JsonDocument.Parse(frame).RootElement;
            if (element.GetProperty("type").GetString() == type)
            {
                return element;
            }
        }

        throw new InvalidOperationException($"The socket closed before a '{type}' frame arrived.");
    }

    /// <summary>Reads until the server closes the socket, and returns its close status.</summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync()
    {
        while (await ReceiveAsync() is not null)
        {
        }

        return Socket.CloseStatus;
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        await Task.CompletedTask;
    }
}
