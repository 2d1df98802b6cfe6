using System.Text.Json;
using Collab.Functions.Boards;
using Collab.Functions.Configuration;
using Collab.Functions.Http;
using Collab.Protocols.WebPubSub;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Events;

/// <summary>
/// The upstream event handler (CloudEvents over HTTP, shared/protocols/web-pubsub.md §4): the abuse-protection
/// handshake for our Web PubSub host only, then for every event the <c>ce-*</c> headers, the hub and the signature
/// (either access key, case-insensitive) before anything is read or stored; then <c>connect</c> (admission to one
/// board), <c>connected</c>/<c>disconnected</c> (presence, and a snapshot when the last user leaves) and the
/// committed operations (validated, committed exactly once, answered with their seq).
/// </summary>
public sealed class WebPubSubEventHandler(
    IOptions<WebPubSubOptions> options,
    BoardMetadataStore boards,
    LiveBoards live,
    SnapshotStore snapshots,
    PresenceService presence,
    ILogger<WebPubSubEventHandler> logger)
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
                : ProblemResult.InvalidRequest($"The request lacks {missing}.");
        }

        if (!string.Equals(cloudEvent.Hub, options.Value.Hub, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Refused an upstream {Type} event for unknown hub {Hub}", cloudEvent.Type, cloudEvent.Hub);
            return ProblemResult.InvalidRequest("The hub is not registered.");
        }

        if (!CloudEventSignature.IsValid(cloudEvent.Signature, cloudEvent.ConnectionId, _keys))
        {
            logger.LogWarning("Refused an upstream {Type} event for connection {ConnectionId}: the signature matches no configured access key", cloudEvent.Type, cloudEvent.ConnectionId);
            return ProblemResult.UnauthenticatedUpstream("The ce-signature is not valid.");
        }

        try
        {
            return cloudEvent.EventName switch
            {
                _ when !cloudEvent.IsSystem => await OperationAsync(request, cloudEvent, cancellationToken),
                "connect" => await ConnectAsync(request, cloudEvent, cancellationToken),
                "connected" => await PresenceAsync(cloudEvent, leaving: false, cancellationToken),
                "disconnected" => await PresenceAsync(cloudEvent, leaving: true, cancellationToken),
                _ => new NoContentResult(),
            };
        }
        catch (JsonException)
        {
            return ProblemResult.InvalidRequest("The event body is not valid JSON.");
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex))
        {
            logger.LogWarning("Upstream {EventName} for connection {ConnectionId} failed: a dependency is unavailable ({Error})", cloudEvent.EventName, cloudEvent.ConnectionId, ex.GetType().Name);
            return ProblemResult.UpstreamUnavailable("A dependency is unavailable; retry later.", TimeSpan.FromSeconds(1));
        }
        catch (ApiProblemException ex)
        {
            logger.LogInformation("Upstream {EventName} for connection {ConnectionId} refused: {Status} {Detail}", cloudEvent.EventName, cloudEvent.ConnectionId, ex.Problem.StatusCode, ex.Problem.Problem.Detail);
            return ex.Problem;
        }
    }

    private IActionResult Validate(HttpRequest request)
    {
        var origin = request.Headers["WebHook-Request-Origin"].ToString();
        if (!string.Equals(origin, _host, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Refused abuse-protection validation from origin {Origin}", origin);
            return ProblemResult.InvalidRequest("Abuse protection validation failed: the origin is not this app's Web PubSub service.");
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

        using var body = JsonDocument.Parse(await RequestBody.ReadAsync(request, MaxConnectBodyBytes, cancellationToken));
        var claims = body.RootElement.TryGetProperty("claims", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        if (BoardOf(claims) is not { } boardId)
        {
            return ProblemResult.UnauthenticatedUpstream("The token must grant exactly one board.");
        }

        var metadata = await boards.GetAsync(boardId, cancellationToken);
        if (metadata is null)
        {
            throw new ApiProblemException(ProblemResult.NotFound("board-not-found", "The board does not exist."));
        }

        if (!metadata.Admits(cloudEvent.UserId))
        {
            throw new ApiProblemException(ProblemResult.Forbidden("This private board admits only its owner and members."));
        }

        var name = FirstClaim(claims, "name") is { Length: > 0 } claimed ? Clip(claimed) : cloudEvent.UserId;
        await boards.RememberNameAsync(boardId, cloudEvent.UserId, name, cancellationToken);
        var offered = body.RootElement.TryGetProperty("subprotocols", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(p => p.GetString()).ToHashSet(StringComparer.Ordinal)
            : [];
        var group = BoardId.GroupOf(boardId);
        request.HttpContext.Response.Headers["ce-connectionState"] = new ConnectionState(boardId, name).Encode();
        logger.LogInformation("Admitted connection {ConnectionId} of user {UserId} to board {BoardId}", cloudEvent.ConnectionId, cloudEvent.UserId, boardId);
        return new OkObjectResult(new ConnectEventResponse(
            cloudEvent.UserId,
            [group],
            ["webpubsub.joinLeaveGroup." + group, "webpubsub.sendToGroup." + group],
            PreferredSubprotocols.FirstOrDefault(offered.Contains)));
    }

    private async Task<IActionResult> PresenceAsync(CloudEventRequest cloudEvent, bool leaving, CancellationToken cancellationToken)
    {
        if (cloudEvent.State is not { } state)
        {
            return ProblemResult.InvalidRequest("The event carries no connection state of this app.");
        }

        try
        {
            var now = await presence.BroadcastAsync(state.BoardId, leaving ? cloudEvent.ConnectionId : null, cancellationToken);
            if (leaving && now.Count == 0 && await live.SnapshotCurrentAsync(state.BoardId, cancellationToken) is { } snapshot)
            {
                var written = await snapshots.WriteAsync(snapshot, cancellationToken);
                logger.LogInformation("Last user left board {BoardId}; snapshot at {Seq} {Outcome}", state.BoardId, snapshot.State.Seq, written ? "written" : "already existed");
            }
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex) || ex is Azure.RequestFailedException)
        {
            // Presence and snapshots are best effort: the event is not retried for them, and nothing is lost.
            logger.LogWarning("Presence for board {BoardId} failed: {Error}", state.BoardId, ex.Message);
        }

        return new NoContentResult();
    }

    private async Task<IActionResult> OperationAsync(HttpRequest request, CloudEventRequest cloudEvent, CancellationToken cancellationToken)
    {
        if (cloudEvent.State is not { } state || string.IsNullOrEmpty(cloudEvent.UserId))
        {
            return ProblemResult.InvalidRequest("The event comes from a connection this app did not admit.");
        }

        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return ProblemResult.UnsupportedMediaType();
        }

        var body = await RequestBody.ReadAsync(request, BoardOperationReader.MaxMessageBytes, cancellationToken);
        if (BoardOperationReader.Read(cloudEvent.EventName, body, out var error) is not { } operation)
        {
            return ProblemResult.InvalidRequest(error);
        }

        try
        {
            var result = await live.CommitAsync(state.BoardId, cloudEvent.UserId, operation, cancellationToken);
            if (result.Duplicate)
            {
                logger.LogInformation("Operation {OpId} of user {UserId} on board {BoardId} was already committed as {Seq}", operation.OpId, cloudEvent.UserId, state.BoardId, result.Seq);
            }

            return new OkObjectResult(new { seq = result.Seq });
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex) || ex is InvalidDataException)
        {
            // 503 makes Web PubSub retry; the operation id makes the retry safe.
            logger.LogWarning("Could not commit operation {OpId} to board {BoardId}: {Error}", operation.OpId, state.BoardId, ex.GetType().Name);
            return ProblemResult.UpstreamUnavailable("Storage is unavailable; the operation was not committed.", TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The one board named by the token's roles and groups, or null when they name none or several.</summary>
    private static string? BoardOf(JsonElement claims)
    {
        if (claims.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var boardIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in Claim(claims, "role"))
        {
            var group = role.StartsWith("webpubsub.joinLeaveGroup.", StringComparison.Ordinal) ? role["webpubsub.joinLeaveGroup.".Length..]
                : role.StartsWith("webpubsub.sendToGroup.", StringComparison.Ordinal) ? role["webpubsub.sendToGroup.".Length..]
                : null;
            boardIds.Add(group is not null && group.StartsWith("board.", StringComparison.Ordinal) ? group["board.".Length..] : "");
        }

        foreach (var group in Claim(claims, "webpubsub.group"))
        {
            boardIds.Add(group.StartsWith("board.", StringComparison.Ordinal) ? group["board.".Length..] : "");
        }

        return boardIds.Count == 1 && boardIds.First() is var boardId && BoardId.IsValid(boardId) ? boardId : null;
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
