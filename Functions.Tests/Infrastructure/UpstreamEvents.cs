using System.Text;
using Collab.Functions.Events;
using Collab.Protocols.WebPubSub;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>Upstream requests as Web PubSub sends them (shared/protocols/web-pubsub.md §4.2), signed with a chosen key.</summary>
internal static class UpstreamEvents
{
    public static HttpRequest Connect(CollabApp app, string key, string connectionId, string userId, string claimsJson) =>
        Event(app, key, "azure.webpubsub.sys.connect", "connect", connectionId, userId, null,
            $$"""{"claims":{{claimsJson}},"query":{},"headers":{},"subprotocols":["json.webpubsub.azure.v1","json.reliable.webpubsub.azure.v1"],"clientCertificates":[]}""");

    public static HttpRequest User(CollabApp app, string key, string eventName, string connectionId, string userId, string boardId, string body, string eventId = "1") =>
        Event(app, key, "azure.webpubsub.user." + eventName, eventName, connectionId, userId, new ConnectionState(boardId, "Name of " + userId), body, eventId);

    public static HttpRequest Event(
        CollabApp app,
        string key,
        string type,
        string eventName,
        string connectionId,
        string? userId,
        ConnectionState? state,
        string body,
        string eventId = "1",
        string hub = "collab")
    {
        var request = app.Request("POST", null);
        foreach (var (name, value) in Headers(key, type, eventName, connectionId, userId, state, eventId, hub))
        {
            request.Headers[name] = value;
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        request.Body = new MemoryStream(bytes);
        request.ContentLength = bytes.Length;
        request.ContentType = "application/json; charset=utf-8";
        return request;
    }

    /// <summary>A user event as Web PubSub sends it over the wire, to the event handler at <paramref name="eventHandler"/>.</summary>
    public static HttpRequestMessage UserMessage(Uri eventHandler, string key, string hub, string eventName, string connectionId, string userId, string boardId, string body, string eventId = "1")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, eventHandler)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in Headers(key, "azure.webpubsub.user." + eventName, eventName, connectionId, userId, new ConnectionState(boardId, "Name of " + userId), eventId, hub))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static IEnumerable<(string Name, string Value)> Headers(string key, string type, string eventName, string connectionId, string? userId, ConnectionState? state, string eventId, string hub)
    {
        yield return ("WebHook-Request-Origin", "127.0.0.1");
        yield return ("ce-specversion", "1.0");
        yield return ("ce-awpsversion", "1.0");
        yield return ("ce-type", type);
        yield return ("ce-source", $"/hubs/{hub}/client/{connectionId}");
        yield return ("ce-id", eventId);
        yield return ("ce-time", "2026-11-25T00:00:00Z");
        yield return ("ce-signature", CloudEventSignature.Create(connectionId, [key]));
        yield return ("ce-connectionId", connectionId);
        yield return ("ce-hub", hub);
        yield return ("ce-eventName", eventName);
        if (userId is not null)
        {
            yield return ("ce-userId", userId);
        }

        if (state is not null)
        {
            yield return ("ce-connectionState", state.Encode());
        }
    }
}
