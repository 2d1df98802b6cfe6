using System.Text;
using Collab.Functions.Hub;
using Collab.Protocols.WebPubSub;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>Upstream requests as Web PubSub sends them (shared/protocols/web-pubsub.md §4.2), signed with a chosen key.</summary>
internal static class UpstreamEvents
{
    /// <summary>A user event as Web PubSub sends it over the wire, to the event handler at <paramref name="eventHandler"/>.</summary>
    public static HttpRequestMessage UserMessage(Uri eventHandler, string key, string hub, string eventName, string connectionId, string userId, string boardId, string body, string eventId = "1") =>
        EventMessage(eventHandler, key, hub, "azure.webpubsub.user." + eventName, eventName, connectionId, userId, new ConnectionState(boardId, "Name of " + userId), body, eventId);

    /// <summary>A <c>connect</c> event as Web PubSub sends it over the wire (§4.4): the token's claims, and both JSON subprotocols offered.</summary>
    public static HttpRequestMessage ConnectMessage(Uri eventHandler, string key, string hub, string connectionId, string userId, string claimsJson) =>
        EventMessage(eventHandler, key, hub, "azure.webpubsub.sys.connect", "connect", connectionId, userId, null, ConnectBody(claimsJson));

    /// <summary>Any event as Web PubSub sends it over the wire (binary-mode CloudEvent, JSON body), to the event handler at <paramref name="eventHandler"/>.</summary>
    public static HttpRequestMessage EventMessage(
        Uri eventHandler,
        string key,
        string hub,
        string type,
        string eventName,
        string connectionId,
        string? userId,
        ConnectionState? state,
        string body,
        string eventId = "1")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, eventHandler)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in Headers(key, type, eventName, connectionId, userId, state, eventId, hub))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static string ConnectBody(string claimsJson) =>
        $$"""{"claims":{{claimsJson}},"query":{},"headers":{},"subprotocols":["json.webpubsub.azure.v1","json.reliable.webpubsub.azure.v1"],"clientCertificates":[]}""";

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
