using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace Collab.Emulators.WebPubSub;

/// <summary>
/// The emulator's state and its message routing: hubs, delivery to connections, and ending connections
/// (with the <c>disconnected</c> event) however they end.
/// </summary>
public sealed class WebPubSubBroker(UpstreamClient upstream, ILogger<WebPubSubBroker> logger)
{
    private readonly ConcurrentDictionary<string, Hub> _hubs = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The hub named <paramref name="name"/>, created on first use.</summary>
    public Hub GetHub(string name) => _hubs.GetOrAdd(name, n => new Hub(n));

    /// <summary>Delivers <paramref name="payload"/> to each target; connections whose reliable buffer overflows are closed.</summary>
    public void Deliver(IEnumerable<ClientConnection> targets, string from, string? group, string? fromUserId, MessagePayload payload)
    {
        var message = new OutgoingMessage(from, group, fromUserId, payload);
        foreach (var connection in targets)
        {
            if (!connection.Deliver(message))
            {
                _ = EndAsync(connection, WebSocketCloseStatus.PolicyViolation, "The message buffer of the connection overflowed.");
            }
        }
    }

    /// <summary>Ends every connection of every hub, as a service restart does (close code 1001).</summary>
    public Task EndAllAsync(string reason) =>
        Task.WhenAll(_hubs.Values.SelectMany(h => h.Connections.Values).ToList().Select(c => EndAsync(c, WebSocketCloseStatus.EndpointUnavailable, reason)));

    /// <summary>
    /// Ends <paramref name="connection"/> for good: closes its socket if attached, removes it from its hub,
    /// and sends the upstream <c>disconnected</c> event once.
    /// </summary>
    public async Task EndAsync(ClientConnection connection, WebSocketCloseStatus status, string reason)
    {
        var hub = GetHub(connection.Hub);
        if (!hub.Connections.TryRemove(new KeyValuePair<string, ClientConnection>(connection.ConnectionId, connection)))
        {
            return;
        }

        hub.Remove(connection);
        await connection.CloseAsync(status, reason);
        var body = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { reason }));
        try
        {
            await upstream.SendAsync(
                new UpstreamEvent(connection.Origin, connection.Hub, connection.ConnectionId, connection.UserId, connection.Subprotocol, connection.ConnectionState,
                    connection.NextEventId(), true, "disconnected", "application/json; charset=utf-8", body),
                CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The disconnected event of {ConnectionId} could not be delivered", connection.ConnectionId);
        }
    }
}
