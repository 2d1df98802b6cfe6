using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Collab.Boards.Errors;
using Collab.Boards.Model;
using Collab.Boards.Telemetry;
using Collab.Functions.Http;
using Collab.Functions.Pipeline;
using Collab.Functions.WebPubSub;
using Collab.Protocols.WebPubSub;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Hub;

/// <summary>
/// The Web PubSub side of the event handler (CloudEvents over HTTP, shared/protocols/web-pubsub.md §4): the
/// abuse-protection handshake for our Web PubSub host only, then for every event the <c>ce-*</c> headers, the hub and
/// the signature (either access key, case-insensitive) before anything is read or stored; the connect body's claims
/// and subprotocols, the connection state, and the shape of each answer. A request the service did not sign is
/// answered 401 here, at the edge; malformed ones are thrown as <see cref="InvalidRequestException"/> for the
/// pipeline to answer. What each event means for a board is <see cref="BoardHub"/>'s.
/// </summary>
/// <remarks>
/// The service signs only the connection id (§4.3), so a captured request could otherwise be sent again with any
/// body and headers. Hence, before an event does anything: its <c>ce-time</c> must be within
/// <see cref="WebPubSubOptions.EventTimeWindow"/> of now; every event after <c>connect</c> must carry the state this
/// app sealed at connect (<see cref="ConnectionStateSealer"/>) for the same connection and user, and acts only on the
/// board and as the user that state names; and a <c>ce-id</c> used again on a connection is answered as the first time
/// when the request is the same (the service's retry) and refused when it is not (<see cref="UpstreamReplayCache"/>).
/// Each event is a <c>collab.event</c> span (its name, the user's hash, then the board and the committed seq).
/// </remarks>
public sealed class WebPubSubProtocol(IOptions<WebPubSubOptions> options, BoardHub hub, TimeProvider time, CollabTelemetry telemetry, ILogger<WebPubSubProtocol> logger)
{
    private const int MaxConnectBodyBytes = 64 * 1024;
    private const int MaxNameLength = 128;
    private static readonly string[] PreferredSubprotocols = ["json.reliable.webpubsub.azure.v1", "json.webpubsub.azure.v1"];

    private readonly string _host = options.Value.ParseConnection().Endpoint.Host;
    private readonly IReadOnlyList<string> _keys = options.Value.AccessKeys();
    private readonly ConnectionStateSealer _states = new(options.Value.AccessKeys());
    private readonly TimeSpan _timeWindow = options.Value.EventTimeWindow;

    // An event may arrive a window before its ce-time and be repeated a window after it, so its id is kept for two.
    private readonly UpstreamReplayCache _replays = new(2 * options.Value.EventTimeWindow, time, logger);

    /// <summary>Handles one request from the service.</summary>
    public async Task<IActionResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HttpMethods.IsOptions(request.Method))
        {
            return Validate(request);
        }

        if (CloudEventRequest.Read(request.Headers, out var missing) is not { } cloudEvent)
        {
            logger.LogWarning("Refused an upstream request: header {Header} is missing or invalid", missing);
            return missing == "ce-signature"
                ? ProblemResult.UnauthenticatedUpstream("The request carries no ce-signature.")
                : throw new InvalidRequestException($"The request lacks {missing}.");
        }

        using var span = telemetry.Start(CollabTelemetry.Spans.Event)?.SetTag(CollabTelemetry.Tags.EventName, cloudEvent.EventName);
        if (span is not null && !string.IsNullOrEmpty(cloudEvent.UserId))
        {
            span.SetTag(CollabTelemetry.Tags.UserHash, CollabTelemetry.UserHash(cloudEvent.UserId));
        }

        if (!string.Equals(cloudEvent.Hub, options.Value.Hub, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Refused an upstream {Type} event for unknown hub {Hub}", cloudEvent.Type, cloudEvent.Hub);
            throw new InvalidRequestException("The hub is not registered.");
        }

        if (!CloudEventSignature.IsValid(cloudEvent.Signature, cloudEvent.ConnectionId, _keys))
        {
            logger.LogWarning("Refused an upstream {Type} event for connection {ConnectionId}: the signature matches no configured access key", cloudEvent.Type, cloudEvent.ConnectionId);
            return ProblemResult.UnauthenticatedUpstream("The ce-signature is not valid.");
        }

        if ((time.GetUtcNow() - cloudEvent.Time).Duration() > _timeWindow)
        {
            logger.LogWarning("Refused an upstream {Type} event for connection {ConnectionId}: its ce-time {Time:O} is outside the accepted window", cloudEvent.Type, cloudEvent.ConnectionId, cloudEvent.Time);
            return ProblemResult.UnauthenticatedUpstream("The event's ce-time is too far from now; a replayed request is refused.");
        }

        ConnectionState? state = null;
        if (!(cloudEvent.IsSystem && cloudEvent.EventName == "connect"))
        {
            if (cloudEvent.StateHeader is null)
            {
                throw new InvalidRequestException("The event carries no connection state of this app.");
            }

            if (VerifiedState(cloudEvent) is not { } verified)
            {
                return ProblemResult.UnauthenticatedUpstream("The connection state was not issued by this app for this connection and user.");
            }

            state = verified;
            span?.SetTag(CollabTelemetry.Tags.BoardId, verified.BoardId);
        }

        var body = await RequestBody.ReadAsync(request, cloudEvent.IsSystem ? MaxConnectBodyBytes : BoardOperationReader.MaxMessageBytes, cancellationToken);
        return await _replays.RunOnceAsync(
            cloudEvent.ConnectionId,
            cloudEvent.EventId,
            Fingerprint(cloudEvent, request.ContentType, body),
            request.HttpContext.Response,
            () => DispatchAsync(request, cloudEvent, state, body, cancellationToken),
            cancellationToken);
    }

    private async Task<IActionResult> DispatchAsync(HttpRequest request, CloudEventRequest cloudEvent, ConnectionState? state, byte[] body, CancellationToken cancellationToken) =>
        cloudEvent.EventName switch
        {
            _ when !cloudEvent.IsSystem => await OperationAsync(request, state!, cloudEvent.EventName, body, cancellationToken),
            "connect" => await ConnectAsync(request, cloudEvent, body, cancellationToken),
            "connected" => await PresenceAsync(state!.BoardId, null, cancellationToken),
            "disconnected" => await PresenceAsync(state!.BoardId, cloudEvent.ConnectionId, cancellationToken),
            _ => new NoContentResult(),
        };

    /// <summary>The event's connection state, when this app sealed it for the event's connection and user.</summary>
    private ConnectionState? VerifiedState(CloudEventRequest cloudEvent)
    {
        var state = _states.Open(cloudEvent.StateHeader);
        var problem = state is null ? "it was not sealed by this app"
            : !string.Equals(state.ConnectionId, cloudEvent.ConnectionId, StringComparison.Ordinal) ? "it was issued for another connection"
            : !string.Equals(state.UserId, cloudEvent.UserId, StringComparison.Ordinal) ? "it was issued for another user"
            : null;
        if (problem is null)
        {
            return state;
        }

        logger.LogWarning("Refused an upstream {Type} event for connection {ConnectionId}: its connection state is refused because {Problem}", cloudEvent.Type, cloudEvent.ConnectionId, problem);
        return null;
    }

    /// <summary>
    /// SHA-256 of what the request says: the body and the headers that give it meaning (not <c>ce-time</c> or
    /// <c>ce-signature</c>, which may differ on the service's retries), each length-prefixed so no two requests share one.
    /// </summary>
    private static byte[] Fingerprint(CloudEventRequest cloudEvent, string? contentType, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in new[] { cloudEvent.Type, cloudEvent.EventName, cloudEvent.UserId ?? "", cloudEvent.StateHeader ?? "", contentType ?? "" }.Select(Encoding.UTF8.GetBytes).Append(body))
        {
            BinaryPrimitives.WriteInt32BigEndian(length, part.Length);
            hash.AppendData(length);
            hash.AppendData(part);
        }

        return hash.GetHashAndReset();
    }

    private IActionResult Validate(HttpRequest request)
    {
        var origin = request.Headers["WebHook-Request-Origin"].ToString();
        if (!string.Equals(origin, _host, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Refused abuse-protection validation from origin {Origin}", origin);
            throw new InvalidRequestException("Abuse protection validation failed: the origin is not this app's Web PubSub service.");
        }

        request.HttpContext.Response.Headers["WebHook-Allowed-Origin"] = _host;
        return new OkResult();
    }

    private async Task<IActionResult> ConnectAsync(HttpRequest request, CloudEventRequest cloudEvent, byte[] content, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(cloudEvent.UserId))
        {
            return ProblemResult.UnauthenticatedUpstream("The connection has no user.");
        }

        using var body = ParseBody(content);
        var claims = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("claims", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        if (BoardOf(claims) is not { } boardId)
        {
            return ProblemResult.UnauthenticatedUpstream("The token must grant exactly one board.");
        }

        Activity.Current?.SetTag(CollabTelemetry.Tags.BoardId, boardId);

        var name = FirstClaim(claims, "name") is { Length: > 0 } claimed ? Clip(claimed) : cloudEvent.UserId;
        var admission = await hub.OnConnectAsync(cloudEvent.UserId, cloudEvent.ConnectionId, boardId, name, cancellationToken);
        var offered = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("subprotocols", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : null).ToHashSet(StringComparer.Ordinal)
            : [];
        request.HttpContext.Response.Headers["ce-connectionState"] = _states.Seal(
            new ConnectionState(admission.BoardId, admission.Name, admission.Role, cloudEvent.ConnectionId, cloudEvent.UserId, time.GetUtcNow()));
        return new OkObjectResult(new ConnectEventResponse(cloudEvent.UserId, admission.Groups, admission.Permissions, PreferredSubprotocols.FirstOrDefault(offered.Contains)));
    }

    private async Task<IActionResult> PresenceAsync(string boardId, string? leavingConnectionId, CancellationToken cancellationToken)
    {
        await hub.OnPresenceAsync(boardId, leavingConnectionId, cancellationToken);
        return new NoContentResult();
    }

    /// <summary>Commits an operation on the board and as the user the verified <paramref name="state"/> names.</summary>
    private async Task<IActionResult> OperationAsync(HttpRequest request, ConnectionState state, string eventName, byte[] body, CancellationToken cancellationToken)
    {
        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw InvalidRequestException.UnsupportedMediaType();
        }

        var result = await hub.OnOperationAsync(state.UserId, state.ConnectionId, state.BoardId, eventName, body, cancellationToken);
        Activity.Current?.SetTag(CollabTelemetry.Tags.OpKind, eventName).SetTag(CollabTelemetry.Tags.Seq, result.Seq);
        return new OkObjectResult(new { seq = result.Seq });
    }

    private static JsonDocument ParseBody(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new InvalidRequestException("The event body is not valid JSON.");
        }
    }

    /// <summary>The one board named by the token's roles and groups, or null when they name none or several.</summary>
    private static string? BoardOf(JsonElement claims)
    {
        if (claims.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        const string SendToGroup = "webpubsub.sendToGroup.";
        var boardIds = new HashSet<string?>(StringComparer.Ordinal);
        foreach (var role in Claim(claims, "role"))
        {
            boardIds.Add(role.StartsWith(SendToGroup, StringComparison.Ordinal) ? BoardChannels.BoardOf(role[SendToGroup.Length..]) : null);
        }

        foreach (var group in Claim(claims, "webpubsub.group"))
        {
            boardIds.Add(BoardChannels.BoardOf(group));
        }

        return boardIds.Count == 1 ? boardIds.First() : null;
    }

    private static IEnumerable<string> Claim(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
            : value.ValueKind == JsonValueKind.String ? [value.GetString()!] : [];

    private static string? FirstClaim(JsonElement claims, string name) => claims.ValueKind == JsonValueKind.Object ? Claim(claims, name).FirstOrDefault() : null;

    private static string Clip(string name)
    {
        var clean = new string(name.Where(ch => !char.IsControl(ch)).ToArray()).Trim();
        return clean.Length <= MaxNameLength ? clean : clean[..MaxNameLength];
    }
}
