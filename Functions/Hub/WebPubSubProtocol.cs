using System.Text.Json;
using Collab.Boards.Errors;
using Collab.Boards.Model;
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
public sealed class WebPubSubProtocol(IOptions<WebPubSubOptions> options, BoardHub hub, ILogger<WebPubSubProtocol> logger)
{
    private const int MaxConnectBodyBytes = 64 * 1024;
    private const int MaxNameLength = 128;
    private static readonly string[] PreferredSubprotocols = ["json.reliable.webpubsub.azure.v1", "json.webpubsub.azure.v1"];

    private readonly string _host = options.Value.ParseConnection().Endpoint.Host;
    private readonly IReadOnlyList<string> _keys = options.Value.AccessKeys();

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

        return cloudEvent.EventName switch
        {
            _ when !cloudEvent.IsSystem => await OperationAsync(request, cloudEvent, cancellationToken),
            "connect" => await ConnectAsync(request, cloudEvent, cancellationToken),
            "connected" or "disconnected" when cloudEvent.State is null => throw new InvalidRequestException("The event carries no connection state of this app."),
            "connected" => await PresenceAsync(cloudEvent.State!.BoardId, null, cancellationToken),
            "disconnected" => await PresenceAsync(cloudEvent.State!.BoardId, cloudEvent.ConnectionId, cancellationToken),
            _ => new NoContentResult(),
        };
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

    private async Task<IActionResult> ConnectAsync(HttpRequest request, CloudEventRequest cloudEvent, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(cloudEvent.UserId))
        {
            return ProblemResult.UnauthenticatedUpstream("The connection has no user.");
        }

        using var body = ParseBody(await RequestBody.ReadAsync(request, MaxConnectBodyBytes, cancellationToken));
        var claims = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("claims", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        if (BoardOf(claims) is not { } boardId)
        {
            return ProblemResult.UnauthenticatedUpstream("The token must grant exactly one board.");
        }

        var name = FirstClaim(claims, "name") is { Length: > 0 } claimed ? Clip(claimed) : cloudEvent.UserId;
        var admission = await hub.OnConnectAsync(cloudEvent.UserId, cloudEvent.ConnectionId, boardId, name, cancellationToken);
        var offered = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("subprotocols", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : null).ToHashSet(StringComparer.Ordinal)
            : [];
        request.HttpContext.Response.Headers["ce-connectionState"] = new ConnectionState(admission.BoardId, admission.Name).Encode();
        return new OkObjectResult(new ConnectEventResponse(cloudEvent.UserId, admission.Groups, admission.Permissions, PreferredSubprotocols.FirstOrDefault(offered.Contains)));
    }

    private async Task<IActionResult> PresenceAsync(string boardId, string? leavingConnectionId, CancellationToken cancellationToken)
    {
        await hub.OnPresenceAsync(boardId, leavingConnectionId, cancellationToken);
        return new NoContentResult();
    }

    private async Task<IActionResult> OperationAsync(HttpRequest request, CloudEventRequest cloudEvent, CancellationToken cancellationToken)
    {
        if (cloudEvent.State is not { } state || string.IsNullOrEmpty(cloudEvent.UserId))
        {
            throw new InvalidRequestException("The event comes from a connection this app did not admit.");
        }

        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw InvalidRequestException.UnsupportedMediaType();
        }

        var body = await RequestBody.ReadAsync(request, BoardOperationReader.MaxMessageBytes, cancellationToken);
        var result = await hub.OnOperationAsync(cloudEvent.UserId, state.BoardId, cloudEvent.EventName, body, cancellationToken);
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
