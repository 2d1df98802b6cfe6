using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Protocols.Jwt;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.WebPubSub;

/// <summary>
/// The REST data plane (api-version 2024-12-01) with the exact success codes the SDKs insist on:
/// 202 for sends, 200 for PUTs, 204 for deletes and closes, 200/404 for existence checks (shared/protocols/web-pubsub.md §5).
/// </summary>
public static class RestApi
{
    private const string ServerReason = "Closed by the server.";

    /// <summary>Maps every REST route onto <paramref name="app"/>.</summary>
    public static void MapWebPubSubRest(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/api/health", ["HEAD", "GET"], () => Results.Ok());

        var hubs = app.MapGroup("/api/hubs/{hub}").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.RequestServices.GetRequiredService<RestTokenValidator>().Check(http.Request) is { } error)
            {
                return Error(StatusCodes.Status401Unauthorized, "Unauthorized", error);
            }

            if (http.Request.Query.ContainsKey("filter"))
            {
                return Error(StatusCodes.Status400BadRequest, "NotSupported", "The emulator does not evaluate OData filters.");
            }

            return await next(context);
        });

        hubs.MapPost("/:send", async (string hub, HttpRequest request, WebPubSubBroker broker) =>
            await SendAsync(request, broker, hub, h => h.Connections.Values, "server", null));
        hubs.MapPost("/groups/{group}/:send", async (string hub, string group, HttpRequest request, WebPubSubBroker broker) =>
            Hub.IsValidGroupName(Decode(group)) ? await SendAsync(request, broker, hub, h => h.InGroup(Decode(group)), "group", Decode(group)) : InvalidGroup());
        hubs.MapPost("/users/{user}/:send", async (string hub, string user, HttpRequest request, WebPubSubBroker broker) =>
            await SendAsync(request, broker, hub, h => h.OfUser(Decode(user)), "server", null));
        hubs.MapPost("/connections/{connectionId}/:send", async (string hub, string connectionId, HttpRequest request, WebPubSubBroker broker) =>
            await SendAsync(request, broker, hub, h => h.Connections.TryGetValue(connectionId, out var c) ? [c] : [], "server", null));

        hubs.MapMethods("/connections/{connectionId}", ["HEAD"], (string hub, string connectionId, WebPubSubBroker broker) =>
            Exists(broker.GetHub(hub).Connections.ContainsKey(connectionId)));
        hubs.MapMethods("/groups/{group}", ["HEAD"], (string hub, string group, WebPubSubBroker broker) =>
            Exists(broker.GetHub(hub).InGroup(Decode(group)).Any()));
        hubs.MapMethods("/users/{user}", ["HEAD"], (string hub, string user, WebPubSubBroker broker) =>
            Exists(broker.GetHub(hub).OfUser(Decode(user)).Any()));

        hubs.MapDelete("/connections/{connectionId}", async (string hub, string connectionId, string? reason, WebPubSubBroker broker) =>
        {
            if (broker.GetHub(hub).Connections.TryGetValue(connectionId, out var connection))
            {
                await broker.EndAsync(connection, WebSocketCloseStatus.PolicyViolation, reason ?? ServerReason);
            }

            return Results.NoContent();
        });
        hubs.MapPost("/:closeConnections", (string hub, HttpRequest request, WebPubSubBroker broker) =>
            CloseAsync(request, broker, broker.GetHub(hub).Connections.Values));
        hubs.MapPost("/groups/{group}/:closeConnections", (string hub, string group, HttpRequest request, WebPubSubBroker broker) =>
            CloseAsync(request, broker, broker.GetHub(hub).InGroup(Decode(group))));
        hubs.MapPost("/users/{user}/:closeConnections", (string hub, string user, HttpRequest request, WebPubSubBroker broker) =>
            CloseAsync(request, broker, broker.GetHub(hub).OfUser(Decode(user))));

        hubs.MapPut("/groups/{group}/connections/{connectionId}", (string hub, string group, string connectionId, WebPubSubBroker broker) =>
        {
            var target = broker.GetHub(hub);
            if (!Hub.IsValidGroupName(Decode(group)))
            {
                return InvalidGroup();
            }

            if (!target.Connections.TryGetValue(connectionId, out var connection))
            {
                return Error(StatusCodes.Status404NotFound, "NotFound", $"Connection '{connectionId}' does not exist.");
            }

            target.Join(connection, Decode(group));
            return Results.Ok();
        });
        hubs.MapDelete("/groups/{group}/connections/{connectionId}", (string hub, string group, string connectionId, WebPubSubBroker broker) =>
        {
            var target = broker.GetHub(hub);
            if (target.Connections.TryGetValue(connectionId, out var connection))
            {
                target.Leave(connection, Decode(group));
            }

            return Results.NoContent();
        });
        hubs.MapDelete("/connections/{connectionId}/groups", (string hub, string connectionId, WebPubSubBroker broker) =>
        {
            var target = broker.GetHub(hub);
            if (target.Connections.TryGetValue(connectionId, out var connection))
            {
                foreach (var group in connection.Groups.Keys)
                {
                    target.Leave(connection, group);
                }
            }

            return Results.NoContent();
        });
        hubs.MapPut("/users/{user}/groups/{group}", (string hub, string user, string group, WebPubSubBroker broker) =>
        {
            if (!Hub.IsValidGroupName(Decode(group)))
            {
                return InvalidGroup();
            }

            broker.GetHub(hub).AddUserToGroup(Decode(user), Decode(group));
            return Results.Ok();
        });
        hubs.MapDelete("/users/{user}/groups/{group}", (string hub, string user, string group, WebPubSubBroker broker) =>
        {
            broker.GetHub(hub).RemoveUserFromGroup(Decode(user), Decode(group));
            return Results.NoContent();
        });
        hubs.MapDelete("/users/{user}/groups", (string hub, string user, WebPubSubBroker broker) =>
        {
            broker.GetHub(hub).RemoveUserFromGroup(Decode(user), null);
            return Results.NoContent();
        });

        hubs.MapGet("/groups/{group}/connections", (string hub, string group, int? maxpagesize, int? top, string? continuationToken, HttpRequest request, WebPubSubBroker broker) =>
            ListGroupConnections(request, broker.GetHub(hub), Decode(group), maxpagesize, top, continuationToken));

        hubs.MapPut("/permissions/{permission}/connections/{connectionId}", (string hub, string permission, string connectionId, string? targetName, WebPubSubBroker broker) =>
            WithPermission(broker, hub, permission, connectionId, targetName, (c, role) => c.AddRole(role), Results.Ok()));
        hubs.MapDelete("/permissions/{permission}/connections/{connectionId}", (string hub, string permission, string connectionId, string? targetName, WebPubSubBroker broker) =>
            WithPermission(broker, hub, permission, connectionId, targetName, (c, role) => c.RemoveRole(role), Results.NoContent()));
        hubs.MapMethods("/permissions/{permission}/connections/{connectionId}", ["HEAD"], (string hub, string permission, string connectionId, string? targetName, WebPubSubBroker broker) =>
            broker.GetHub(hub).Connections.TryGetValue(connectionId, out var c) && Permission(permission) is { } p
                ? Exists(c.HasPermission(p, targetName ?? ""))
                : Results.NotFound());

        hubs.MapPost("/:generateToken", (string hub, [FromQuery] string? userId, [FromQuery] string[]? role, [FromQuery] string[]? group, [FromQuery] int? minutesToExpire, HttpRequest request, IOptions<WebPubSubEmulatorOptions> options, TimeProvider time) =>
        {
            var now = time.GetUtcNow();
            var payload = new JsonObject
            {
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.AddMinutes(minutesToExpire ?? 60).ToUnixTimeSeconds(),
                ["aud"] = $"{request.Scheme}://{request.Host}/client/hubs/{hub}",
            };
            if (!string.IsNullOrEmpty(userId))
            {
                payload["sub"] = userId;
            }

            if (role is { Length: > 0 })
            {
                payload["role"] = new JsonArray(role.Select(r => (JsonNode)r).ToArray());
            }

            if (group is { Length: > 0 })
            {
                payload["webpubsub.group"] = new JsonArray(group.Select(g => (JsonNode)g).ToArray());
            }

            return Results.Ok(new { token = Hs256Jwt.Create(payload, Encoding.UTF8.GetBytes(options.Value.AccessKey)) });
        });
    }

    private static async Task<IResult> SendAsync(HttpRequest request, WebPubSubBroker broker, string hubName, Func<Hub, IEnumerable<ClientConnection>> select, string from, string? group)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var payload = MessagePayload.FromContent(request.ContentType, body.ToArray());
        if (payload.DataType == "json")
        {
            try
            {
                using var _ = JsonDocument.Parse(payload.Bytes);
            }
            catch (JsonException)
            {
                return Error(StatusCodes.Status400BadRequest, "InvalidRequest", "The body is not valid JSON.");
            }
        }
        else if (payload.DataType == "text")
        {
            payload = payload with { Bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload.Bytes)) };
        }

        var excluded = request.Query["excluded"].Where(e => e is not null).ToHashSet(StringComparer.Ordinal);
        var targets = select(broker.GetHub(hubName)).Where(c => !excluded.Contains(c.ConnectionId));
        using var activity = EmulatorTelemetry.Source.StartActivity(group is null ? "WebPubSub send" : "WebPubSub send to group");
        if (activity is not null)
        {
            // Counted only when traced: the fan-out is otherwise enumerated once, lazily.
            var list = targets.ToList();
            activity.SetTag("collab.wps.hub", hubName);
            activity.SetTag("collab.wps.group", group);
            activity.SetTag("collab.wps.recipients", list.Count);
            activity.SetTag("collab.wps.bytes", payload.Bytes.Length);
            targets = list;
        }

        broker.Deliver(targets, from, group, null, payload);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> CloseAsync(HttpRequest request, WebPubSubBroker broker, IEnumerable<ClientConnection> targets)
    {
        var excluded = request.Query["excluded"].Where(e => e is not null).ToHashSet(StringComparer.Ordinal);
        var reason = request.Query["reason"].FirstOrDefault() ?? ServerReason;
        await Task.WhenAll(targets.Where(c => !excluded.Contains(c.ConnectionId)).ToList()
            .Select(c => broker.EndAsync(c, WebSocketCloseStatus.PolicyViolation, reason)));
        return Results.NoContent();
    }

    private static IResult ListGroupConnections(HttpRequest request, Hub hub, string group, int? maxPageSize, int? top, string? continuationToken)
    {
        var pageSize = Math.Clamp(maxPageSize ?? 200, 1, 200);
        var remaining = top ?? int.MaxValue;
        var members = hub.InGroup(group)
            .OrderBy(c => c.ConnectionId, StringComparer.Ordinal)
            .Where(c => continuationToken is null || string.CompareOrdinal(c.ConnectionId, continuationToken) > 0)
            .Take(Math.Min(pageSize, remaining) + 1)
            .ToList();
        var page = members.Take(Math.Min(pageSize, remaining)).ToList();
        string? nextLink = null;
        if (members.Count > page.Count && remaining > page.Count)
        {
            var query = new Dictionary<string, string?>
            {
                ["api-version"] = request.Query["api-version"].FirstOrDefault() ?? "2024-12-01",
                ["maxpagesize"] = pageSize.ToString(CultureInfo.InvariantCulture),
                ["continuationToken"] = page[^1].ConnectionId,
            };
            if (top is not null)
            {
                query["top"] = (remaining - page.Count).ToString(CultureInfo.InvariantCulture);
            }

            nextLink = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(request.Path, query);
        }

        return Results.Json(new
        {
            value = page.Select(c => new { connectionId = c.ConnectionId, userId = c.UserId }),
            nextLink,
        });
    }

    private static IResult WithPermission(WebPubSubBroker broker, string hub, string permission, string connectionId, string? targetName, Action<ClientConnection, string> apply, IResult success)
    {
        if (Permission(permission) is not { } name)
        {
            return Error(StatusCodes.Status400BadRequest, "InvalidRequest", "The permission must be sendToGroup or joinLeaveGroup.");
        }

        if (!broker.GetHub(hub).Connections.TryGetValue(connectionId, out var connection))
        {
            return Error(StatusCodes.Status404NotFound, "NotFound", $"Connection '{connectionId}' does not exist.");
        }

        apply(connection, "webpubsub." + name + (string.IsNullOrEmpty(targetName) ? "" : "." + targetName));
        return success;
    }

    private static string? Permission(string permission) =>
        permission.Equals("sendToGroup", StringComparison.OrdinalIgnoreCase) ? "sendToGroup"
        : permission.Equals("joinLeaveGroup", StringComparison.OrdinalIgnoreCase) ? "joinLeaveGroup"
        : null;

    // Kestrel leaves %2F encoded in the path so that routing cannot split on it; the segment itself means '/'.
    private static string Decode(string segment) => segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static IResult InvalidGroup() => Error(StatusCodes.Status400BadRequest, "InvalidRequest", "The group name must be 1-1024 characters and not only whitespace.");

    private static IResult Exists(bool exists) => exists ? Results.Ok() : Results.NotFound();

    private static IResult Error(int status, string code, string message) =>
        new ErrorResult(status, code, message);

    private sealed class ErrorResult(int status, string code, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.Headers["x-ms-error-code"] = code;
            return httpContext.Response.WriteAsJsonAsync(new { code, message });
        }
    }
}
