using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace Collab.Emulators.WebPubSub;

/// <summary>
/// One logical client connection. It outlives its WebSocket on the reliable protocol: while dropped, messages are
/// buffered under their sequence ids until the client recovers or the recovery window ends.
/// </summary>
public sealed class ClientConnection
{
    private const int MaxUnackedMessages = 1000;
    private const long MaxUnackedBytes = 16 * 1024 * 1024;
    private const int RememberedAckIds = 1000;

    private readonly Lock _sendLock = new();
    private readonly Queue<(long SequenceId, byte[] Frame)> _unacked = new();
    private readonly HashSet<ulong> _ackIds = [];
    private readonly Queue<ulong> _ackIdOrder = new();
    private readonly Lock _rolesLock = new();
    private readonly HashSet<string> _roles;
    private Attachment? _attachment;
    private long _sequenceId;
    private long _unackedBytes;
    private long _eventId;

    internal ClientConnection(string origin, string hub, string connectionId, string? userId, ClientProtocol protocol, string? subprotocol, IEnumerable<string> roles, IReadOnlyDictionary<string, string[]> claims)
    {
        Origin = origin;
        Hub = hub;
        ConnectionId = connectionId;
        UserId = userId;
        Protocol = protocol;
        Subprotocol = subprotocol;
        Claims = claims;
        _roles = new HashSet<string>(roles, StringComparer.Ordinal);
        ReconnectionToken = protocol == ClientProtocol.JsonReliable ? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) : null;
    }

    /// <summary>The service host that upstream requests name in <c>WebHook-Request-Origin</c>.</summary>
    public string Origin { get; }

    /// <summary>The hub name as the client used it.</summary>
    public string Hub { get; }

    /// <summary>The service-assigned connection id.</summary>
    public string ConnectionId { get; }

    /// <summary>The user id from the token or the connect response, if any.</summary>
    public string? UserId { get; }

    /// <summary>The protocol the connection speaks.</summary>
    public ClientProtocol Protocol { get; }

    /// <summary>The negotiated subprotocol, or null for raw clients.</summary>
    public string? Subprotocol { get; }

    /// <summary>The token's claims, grouped by claim type.</summary>
    public IReadOnlyDictionary<string, string[]> Claims { get; }

    /// <summary>The secret a reliable client presents to recover this connection.</summary>
    public string? ReconnectionToken { get; }

    /// <summary>The groups the connection is in.</summary>
    public ConcurrentDictionary<string, byte> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>The opaque <c>ce-connectionState</c> the event handler last set.</summary>
    public string? ConnectionState { get; set; }

    /// <summary>When the WebSocket dropped without a final close, or null while attached or closed.</summary>
    public DateTimeOffset? DroppedAt { get; private set; }

    /// <summary>True once the connection has ended for good.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>
    /// Upstream work for this connection (connected, user events), run one at a time so the handler sees the
    /// connection's events in order, and without blocking pings and group sends behind a slow handler.
    /// </summary>
    internal Channel<Func<Task>> UpstreamQueue { get; } = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The next upstream <c>ce-id</c>; the connect event uses 0.</summary>
    public string NextEventId() => Interlocked.Increment(ref _eventId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True when a role grants <paramref name="permission"/> on <paramref name="group"/>.</summary>
    public bool HasPermission(string permission, string group)
    {
        lock (_rolesLock)
        {
            return _roles.Contains("webpubsub." + permission) || _roles.Contains("webpubsub." + permission + "." + group);
        }
    }

    /// <summary>Grants a role (REST permission operations).</summary>
    public void AddRole(string role)
    {
        lock (_rolesLock)
        {
            _roles.Add(role);
        }
    }

    /// <summary>Revokes a role.</summary>
    public void RemoveRole(string role)
    {
        lock (_rolesLock)
        {
            _roles.Remove(role);
        }
    }

    /// <summary>
    /// Records <paramref name="ackId"/> as processed. False when it was seen before: the caller answers <c>Duplicate</c>.
    /// </summary>
    public bool TryRecordAckId(ulong ackId)
    {
        lock (_ackIds)
        {
            if (!_ackIds.Add(ackId))
            {
                return false;
            }

            _ackIdOrder.Enqueue(ackId);
            if (_ackIdOrder.Count > RememberedAckIds)
            {
                _ackIds.Remove(_ackIdOrder.Dequeue());
            }

            return true;
        }
    }

    /// <summary>Delivers a data message, framed for this connection's protocol.</summary>
    /// <returns>False when the reliable buffer overflowed and the connection must be closed.</returns>
    public bool Deliver(OutgoingMessage message)
    {
        if (Protocol == ClientProtocol.Raw)
        {
            Send(message.Payload.Bytes, message.RawType);
            return true;
        }

        if (Protocol == ClientProtocol.Json)
        {
            Send(message.JsonFrame);
            return true;
        }

        lock (_sendLock)
        {
            if (IsClosed)
            {
                return true;
            }

            var frame = message.ReliableFrame(++_sequenceId);
            _unacked.Enqueue((_sequenceId, frame));
            _unackedBytes += frame.Length;
            if (_unacked.Count > MaxUnackedMessages || _unackedBytes > MaxUnackedBytes)
            {
                return false;
            }

            _attachment?.Post(frame, WebSocketMessageType.Text);
            return true;
        }
    }

    /// <summary>Sends a control frame (ack, pong, system) as text.</summary>
    public void Send(byte[] frame, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        lock (_sendLock)
        {
            _attachment?.Post(frame, type);
        }
    }

    /// <summary>Drops buffered messages up to <paramref name="sequenceId"/>, which the client has received.</summary>
    public void AcknowledgeSequence(long sequenceId)
    {
        lock (_sendLock)
        {
            while (_unacked.Count > 0 && _unacked.Peek().SequenceId <= sequenceId)
            {
                _unackedBytes -= _unacked.Dequeue().Frame.Length;
            }
        }
    }

    /// <summary>Binds a (new) WebSocket and replays every unacknowledged message on it.</summary>
    internal Task Attach(WebSocket socket)
    {
        lock (_sendLock)
        {
            _attachment?.Complete();
            _attachment = new Attachment(socket);
            DroppedAt = null;
            foreach (var (_, frame) in _unacked)
            {
                _attachment.Post(frame, WebSocketMessageType.Text);
            }

            return _attachment.Completion;
        }
    }

    /// <summary>Unbinds <paramref name="socket"/> after it dropped; a reliable connection waits for recovery.</summary>
    internal void Detach(WebSocket socket, DateTimeOffset now)
    {
        lock (_sendLock)
        {
            if (_attachment?.Socket == socket)
            {
                _attachment.Complete();
                _attachment = null;
                DroppedAt = now;
            }
        }
    }

    /// <summary>Ends the connection for good, closing its socket with <paramref name="status"/> if one is attached.</summary>
    internal async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        Attachment? attachment;
        lock (_sendLock)
        {
            IsClosed = true;
            attachment = _attachment;
            _attachment = null;
            _unacked.Clear();
        }

        if (attachment is not null)
        {
            if (Protocol != ClientProtocol.Raw)
            {
                attachment.Post(ClientFrames.Disconnected(reason), WebSocketMessageType.Text);
            }

            await attachment.CloseAsync(status, reason);
        }
    }

    /// <summary>One WebSocket and the single writer that serialises sends on it.</summary>
    private sealed class Attachment
    {
        private readonly Channel<(byte[] Frame, WebSocketMessageType Type)> _outbox =
            Channel.CreateUnbounded<(byte[], WebSocketMessageType)>(new UnboundedChannelOptions { SingleReader = true });

        public Attachment(WebSocket socket)
        {
            Socket = socket;
            Completion = Task.Run(WriteAsync);
        }

        public WebSocket Socket { get; }

        public Task Completion { get; }

        public void Post(byte[] frame, WebSocketMessageType type) => _outbox.Writer.TryWrite((frame, type));

        public void Complete() => _outbox.Writer.TryComplete();

        public async Task CloseAsync(WebSocketCloseStatus status, string reason)
        {
            Complete();
            await Completion;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Socket.CloseOutputAsync(status, reason.Length > 120 ? reason[..120] : reason, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                Socket.Abort();
            }
        }

        private async Task WriteAsync()
        {
            try
            {
                await foreach (var (frame, type) in _outbox.Reader.ReadAllAsync())
                {
                    await Socket.SendAsync(frame, type, endOfMessage: true, CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                // The reader notices the broken socket and detaches; buffered reliable frames survive for recovery.
                _outbox.Writer.TryComplete();
            }
        }
    }
}
