using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collab.Protocols.Jwt;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.WebPubSub;

/// <summary>
/// The client WebSocket endpoint, <c>/client/hubs/{hub}</c> (and <c>/client/?hub=</c>): token check before the
/// upgrade, the blocking <c>connect</c> event, subprotocol negotiation, recovery of reliable connections, and the
/// client message loop (shared/protocols/web-pubsub.md §3, §6).
/// </summary>
public sealed partial class ClientEndpoint(
    WebPubSubBroker broker,
    UpstreamClient upstream,
    ClientTokenValidator tokens,
    IOptions<WebPubSubEmulatorOptions> options,
    TimeProvider time,
    ILogger<ClientEndpoint> logger)
{
    /// <summary>Handles one client request.</summary>
    public async Task HandleAsync(HttpContext context, string? hubName)
    {
        hubName ??= context.Request.Query["hub"].ToString();
        if (!HubName().IsMatch(hubName))
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, "The hub name is invalid.");
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, "This endpoint accepts WebSocket upgrades only.");
            return;
        }

        var token = context.Request.Query["access_token"].ToString();
        if (string.IsNullOrEmpty(token) && context.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = auth["Bearer ".Length..].Trim();
        }

        if (tokens.Validate(token, hubName, context.Request, out var error) is not { } claims)
        {
            await RejectAsync(context, StatusCodes.Status401Unauthorized, error);
            return;
        }

        var hub = broker.GetHub(hubName);
        var recoveringId = context.Request.Query["awps_connection_id"].ToString();
        if (!string.IsNullOrEmpty(recoveringId))
        {
            await RecoverAsync(context, hub, recoveringId, context.Request.Query["awps_reconnection_token"].ToString());
            return;
        }

        await ConnectAsync(context, hub, claims);
    }

    private async Task ConnectAsync(HttpContext context, Hub hub, JsonElement claims)
    {
        var groups = Hs256Jwt.ReadStrings(claims, "webpubsub.group").ToList();
        if (groups.Any(g => !Hub.IsValidGroupName(g)))
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, "The webpubsub.group claim holds an invalid group name.");
            return;
        }

        var userId = claims.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString() : null;
        var roles = Hs256Jwt.ReadStrings(claims, "role").ToList();
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var connectionId = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var claimMap = GroupClaims(claims);
        string? chosen = null;
        string? state = null;
        var origin = context.Request.Host.Host;

        var response = await upstream.SendAsync(
            new UpstreamEvent(origin, hub.Name, connectionId, userId, null, null, "0", true, "connect", "application/json; charset=utf-8", ConnectBody(context, claimMap, offered)),
            context.RequestAborted);
        if (response is not null)
        {
            if (!response.IsSuccess)
            {
                var status = response.StatusCode == 0 ? StatusCodes.Status500InternalServerError : response.StatusCode;
                await RejectAsync(context, status, Encoding.UTF8.GetString(response.Body));
                return;
            }

            state = string.IsNullOrEmpty(response.ConnectionState) ? null : response.ConnectionState;
            if (!TryApplyConnectResponse(response.Body, ref userId, groups, roles, ref chosen))
            {
                await RejectAsync(context, StatusCodes.Status500InternalServerError, "The connect event handler answered with an invalid body.");
                return;
            }
        }

        chosen ??= offered.FirstOrDefault(p => Subprotocols.Parse(p) is not null);
        var protocol = chosen is null ? ClientProtocol.Raw : Subprotocols.Parse(chosen) ?? ClientProtocol.Raw;
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = chosen, KeepAliveInterval = TimeSpan.Zero });
        var connection = new ClientConnection(origin, hub.Name, connectionId, userId, protocol, chosen, roles, claimMap) { ConnectionState = state };
        hub.Add(connection);
        foreach (var group in groups)
        {
            hub.Join(connection, group);
        }

        var attachment = connection.Attach(socket);
        if (protocol != ClientProtocol.Raw)
        {
            connection.Send(ClientFrames.Connected(userId, connectionId, connection.ReconnectionToken));
        }

        var pump = Task.Run(() => PumpUpstreamAsync(connection));
        connection.UpstreamQueue.Writer.TryWrite(() => SendSystemEventAsync(connection, "connected", "{}"u8.ToArray()));
        logger.LogInformation("Client {ConnectionId} of user {UserId} connected to hub {Hub} with {Protocol}", connectionId, userId, hub.Name, protocol);
        await RunSessionAsync(connection, socket, attachment, pump);
    }

    private async Task RecoverAsync(HttpContext context, Hub hub, string connectionId, string reconnectionToken)
    {
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        if (!hub.Connections.TryGetValue(connectionId, out var connection)
            || connection.Protocol != ClientProtocol.JsonReliable
            || connection.IsClosed
            || string.IsNullOrEmpty(reconnectionToken)
            || !CryptographicEquals(connection.ReconnectionToken, reconnectionToken))
        {
            // The reliable client stops recovering only on close code 1008; an HTTP error would make it retry for 30 s.
            var refused = await context.WebSockets.AcceptWebSocketAsync(offered.FirstOrDefault(p => Subprotocols.Parse(p) is not null));
            await refused.CloseAsync(WebSocketCloseStatus.PolicyViolation, "The connection cannot be recovered.", CancellationToken.None);
            return;
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = connection.Subprotocol, KeepAliveInterval = TimeSpan.Zero });
        var attachment = connection.Attach(socket);
        logger.LogInformation("Client {ConnectionId} recovered", connectionId);
        await RunSessionAsync(connection, socket, attachment, pump: null);
    }

    private async Task RunSessionAsync(ClientConnection connection, WebSocket socket, Task attachment, Task? pump)
    {
        var finalClose = await ReceiveLoopAsync(connection, socket);
        if (connection.Protocol == ClientProtocol.JsonReliable && finalClose is null)
        {
            var droppedAt = time.GetUtcNow();
            connection.Detach(socket, droppedAt);
            _ = ExpireAsync(connection, droppedAt);
            return;
        }

        connection.UpstreamQueue.Writer.TryComplete();
        if (pump is not null)
        {
            await pump;
        }

        await broker.EndAsync(connection, finalClose ?? WebSocketCloseStatus.NormalClosure, "The client closed the connection.");
        await attachment;
    }

    private async Task ExpireAsync(ClientConnection connection, DateTimeOffset droppedAt)
    {
        await Task.Delay(options.Value.RecoveryWindow, time);
        if (connection.DroppedAt == droppedAt)
        {
            connection.UpstreamQueue.Writer.TryComplete();
            await broker.EndAsync(connection, WebSocketCloseStatus.NormalClosure, "The recovery window expired.");
        }
    }

    /// <summary>Reads frames until the socket ends.</summary>
    /// <returns>The close status when the connection ended for good; null when it dropped and may be recovered.</returns>
    private async Task<WebSocketCloseStatus?> ReceiveLoopAsync(ClientConnection connection, WebSocket socket)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.GetMemory(4096), CancellationToken.None);
                    buffer.Advance(result.Count);
                    if (buffer.WrittenCount > options.Value.MaxFrameBytes)
                    {
                        await connection.CloseAsync(WebSocketCloseStatus.MessageTooBig, "The message exceeds 1 MB.");
                        return WebSocketCloseStatus.MessageTooBig;
                    }
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = socket.CloseStatus ?? WebSocketCloseStatus.Empty;
                    return status == WebSocketCloseStatus.NormalClosure || connection.Protocol != ClientProtocol.JsonReliable ? WebSocketCloseStatus.NormalClosure : null;
                }

                var closeStatus = await HandleFrameAsync(connection, result.MessageType, buffer.WrittenSpan.ToArray());
                if (closeStatus is { } close)
                {
                    return close;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ConnectionAbortedException)
        {
            return connection.Protocol == ClientProtocol.JsonReliable ? null : WebSocketCloseStatus.EndpointUnavailable;
        }
    }

    private async Task<WebSocketCloseStatus?> HandleFrameAsync(ClientConnection connection, WebSocketMessageType type, byte[] frame)
    {
        if (connection.Protocol == ClientProtocol.Raw)
        {
            var payload = new MessagePayload(type == WebSocketMessageType.Binary ? "binary" : "text", frame);
            connection.UpstreamQueue.Writer.TryWrite(() => SendRawUserEventAsync(connection, payload));
            return null;
        }

        if (type != WebSocketMessageType.Text)
        {
            await connection.CloseAsync(WebSocketCloseStatus.InvalidMessageType, "JSON subprotocols accept text frames only.");
            return WebSocketCloseStatus.InvalidMessageType;
        }

        JsonElement message;
        try
        {
            using var document = JsonDocument.Parse(frame);
            message = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            await connection.CloseAsync(WebSocketCloseStatus.InvalidPayloadData, "The frame is not valid JSON.");
            return WebSocketCloseStatus.InvalidPayloadData;
        }

        ulong? ackId = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("ackId", out var ack) && ack.TryGetUInt64(out var id) ? id : null;
        var messageType = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (messageType)
        {
            case "ping":
                connection.Send(ClientFrames.Pong);
                return null;
            case "sequenceAck":
                if (message.TryGetProperty("sequenceId", out var seq) && seq.TryGetInt64(out var sequenceId))
                {
                    connection.AcknowledgeSequence(sequenceId);
                }

                return null;
            case "joinGroup" or "leaveGroup" or "sendToGroup" or "event":
                if (ackId is { } duplicateCheck && !connection.TryRecordAckId(duplicateCheck))
                {
                    connection.Send(ClientFrames.Ack(duplicateCheck, "Duplicate", $"Message with ack-id: {duplicateCheck} has been processed"));
                    return null;
                }

                var failure = messageType == "event" ? QueueUserEvent(connection, message, ackId) : HandleGroupFrame(connection, messageType, message);
                if (ackId is { } acked && (messageType != "event" || failure is not null))
                {
                    connection.Send(failure is null ? ClientFrames.Ack(acked) : ClientFrames.Ack(acked, failure.Value.Name, failure.Value.Message));
                }

                return null;
            default:
                if (ackId is { } unknown)
                {
                    connection.Send(ClientFrames.Ack(unknown, "BadRequest", $"Unsupported message type '{messageType}'."));
                }

                return null;
        }
    }

    private (string Name, string Message)? HandleGroupFrame(ClientConnection connection, string type, JsonElement message)
    {
        var group = message.TryGetProperty("group", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString()! : null;
        if (group is null || !Hub.IsValidGroupName(group))
        {
            return ("BadRequest", "The group name is missing or invalid.");
        }

        var hub = broker.GetHub(connection.Hub);
        if (type == "sendToGroup")
        {
            if (!connection.HasPermission("sendToGroup", group))
            {
                return ("Forbidden", $"The client has no permission to send message to group '{group}'.");
            }

            if (ReadPayload(message) is not { } payload)
            {
                return ("BadRequest", "The data does not match its dataType.");
            }

            var noEcho = message.TryGetProperty("noEcho", out var echo) && echo.ValueKind == JsonValueKind.True;
            var targets = hub.InGroup(group).Where(c => !noEcho || c.ConnectionId != connection.ConnectionId);
            broker.Deliver(targets, "group", group, connection.UserId, payload);
            return null;
        }

        if (!connection.HasPermission("joinLeaveGroup", group))
        {
            return ("Forbidden", $"The client has no permission to {(type == "joinGroup" ? "join" : "leave")} group '{group}'.");
        }

        if (type == "joinGroup")
        {
            hub.Join(connection, group);
        }
        else
        {
            hub.Leave(connection, group);
        }

        return null;
    }

    private (string Name, string Message)? QueueUserEvent(ClientConnection connection, JsonElement message, ulong? ackId)
    {
        var name = message.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (string.IsNullOrEmpty(name) || !EventName().IsMatch(name))
        {
            return ("BadRequest", "The event name is missing or invalid.");
        }

        if (ReadPayload(message) is not { } payload)
        {
            return ("BadRequest", "The data does not match its dataType.");
        }

        connection.UpstreamQueue.Writer.TryWrite(async () =>
        {
            var response = await SendUserEventAsync(connection, name, payload);
            if (response is { IsSuccess: false })
            {
                if (ackId is { } failed)
                {
                    connection.Send(ClientFrames.Ack(failed, "InternalServerError", $"The event handler failed with status {response.StatusCode}."));
                }

                return;
            }

            if (response is { Body.Length: > 0 })
            {
                connection.Deliver(new OutgoingMessage("server", null, null, MessagePayload.FromContent(response.ContentType, response.Body)));
            }

            if (ackId is { } acked)
            {
                connection.Send(ClientFrames.Ack(acked));
            }
        });
        return null;
    }

    private async Task SendRawUserEventAsync(ClientConnection connection, MessagePayload payload)
    {
        var response = await SendUserEventAsync(connection, "message", payload);
        if (response is { IsSuccess: false })
        {
            await broker.EndAsync(connection, WebSocketCloseStatus.InternalServerError, "The event handler failed.");
            return;
        }

        if (response is { Body.Length: > 0 })
        {
            connection.Deliver(new OutgoingMessage("server", null, null, MessagePayload.FromContent(response.ContentType, response.Body)));
        }
    }

    private async Task<UpstreamResponse?> SendUserEventAsync(ClientConnection connection, string name, MessagePayload payload)
    {
        var response = await upstream.SendAsync(
            new UpstreamEvent(connection.Origin, connection.Hub, connection.ConnectionId, connection.UserId, connection.Subprotocol, connection.ConnectionState,
                connection.NextEventId(), false, name, payload.ContentType, payload.Bytes),
            CancellationToken.None);
        if (response is { IsSuccess: true, ConnectionState: { } state })
        {
            connection.ConnectionState = state.Length == 0 ? null : state;
        }

        return response;
    }

    private async Task SendSystemEventAsync(ClientConnection connection, string name, byte[] body) =>
        await upstream.SendAsync(
            new UpstreamEvent(connection.Origin, connection.Hub, connection.ConnectionId, connection.UserId, connection.Subprotocol, connection.ConnectionState,
                connection.NextEventId(), true, name, "application/json; charset=utf-8", body),
            CancellationToken.None);

    private async Task PumpUpstreamAsync(ClientConnection connection)
    {
        await foreach (var work in connection.UpstreamQueue.Reader.ReadAllAsync())
        {
            try
            {
                await work();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Upstream work for {ConnectionId} failed", connection.ConnectionId);
            }
        }
    }

    private static MessagePayload? ReadPayload(JsonElement message)
    {
        var dataType = message.TryGetProperty("dataType", out var dt) && dt.ValueKind == JsonValueKind.String ? dt.GetString() : "json";
        message.TryGetProperty("data", out var data);
        switch (dataType)
        {
            case "json":
                return new MessagePayload("json", data.ValueKind == JsonValueKind.Undefined ? "null"u8.ToArray() : Encoding.UTF8.GetBytes(data.GetRawText()));
            case "text" when data.ValueKind == JsonValueKind.String:
                return new MessagePayload("text", Encoding.UTF8.GetBytes(data.GetString()!));
            case "binary" or "protobuf" when data.ValueKind == JsonValueKind.String:
                try
                {
                    return new MessagePayload("binary", Convert.FromBase64String(data.GetString()!));
                }
                catch (FormatException)
                {
                    return null;
                }

            default:
                return null;
        }
    }

    private static bool TryApplyConnectResponse(byte[] body, ref string? userId, List<string> groups, List<string> roles, ref string? subprotocol)
    {
        if (body.Length == 0)
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return true;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (root.TryGetProperty("userId", out var user) && user.ValueKind == JsonValueKind.String)
            {
                userId = user.GetString() is { Length: > 0 } u ? u : null;
            }

            if (root.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array)
            {
                roles.Clear();
                roles.AddRange(r.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!));
            }

            if (root.TryGetProperty("groups", out var g) && g.ValueKind == JsonValueKind.Array && g.GetArrayLength() > 0)
            {
                var replacement = g.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
                if (replacement.Any(x => !Hub.IsValidGroupName(x)))
                {
                    return false;
                }

                groups.Clear();
                groups.AddRange(replacement);
            }

            if (root.TryGetProperty("subprotocol", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } chosen)
            {
                subprotocol = chosen;
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] ConnectBody(HttpContext context, IReadOnlyDictionary<string, string[]> claims, IList<string> subprotocols)
    {
        var query = context.Request.Query.Where(q => !q.Key.Equals("access_token", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(q => q.Key, q => q.Value.Select(v => v ?? "").ToArray());
        var headers = context.Request.Headers.Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? "").ToArray());
        return JsonSerializer.SerializeToUtf8Bytes(new { claims, query, headers, subprotocols, clientCertificates = Array.Empty<object>() });
    }

    private static Dictionary<string, string[]> GroupClaims(JsonElement claims) =>
        claims.EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind == JsonValueKind.Array
                ? p.Value.EnumerateArray().Select(ClaimText).ToArray()
                : [ClaimText(p.Value)]);

    private static string ClaimText(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static bool CryptographicEquals(string? expected, string actual) =>
        expected is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    private static async Task RejectAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message);
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_`,.\[\]]{0,127}$")]
    private static partial Regex HubName();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,128}$")]
    private static partial Regex EventName();
}
