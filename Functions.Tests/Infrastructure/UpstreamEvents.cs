using System.Globalization;
using System.Text;
using Collab.Functions.Hub;
using Collab.Protocols.WebPubSub;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// Upstream requests as Web PubSub sends them (shared/protocols/web-pubsub.md §4.2), signed with a chosen key: a
/// current <c>ce-time</c>, a fresh <c>ce-id</c> unless one is given, and, after <c>connect</c>, the connection state
/// the handler seals at connect (§4.8), sealed here with the same product code from the same access key.
/// </summary>
internal static class UpstreamEvents
{
    /// <summary>When the states these helpers make were issued: fixed, so two requests for one event carry the same state, as the service's retries do.</summary>
    public static readonly DateTimeOffset StateIssuedAt = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A user event as Web PubSub sends it over the wire, to the event handler at <paramref name="eventHandler"/>.</summary>
    public static HttpRequestMessage UserMessage(Uri eventHandler, string key, string hub, string eventName, string connectionId, string userId, string boardId, string body, string? eventId = null) =>
        EventMessage(eventHandler, key, hub, "azure.webpubsub.user." + eventName, eventName, connectionId, userId, SealedState(key, boardId, connectionId, userId), body, eventId);

    /// <summary>A <c>connect</c> event as Web PubSub sends it over the wire (§4.4): the token's claims, and both JSON subprotocols offered.</summary>
    public static HttpRequestMessage ConnectMessage(Uri eventHandler, string key, string hub, string connectionId, string userId, string claimsJson, string? eventId = null) =>
        EventMessage(eventHandler, key, hub, "azure.webpubsub.sys.connect", "connect", connectionId, userId, null, ConnectBody(claimsJson), eventId);

    /// <summary>The <c>ce-connectionState</c> the handler would have sealed for an editor's connection admitted to <paramref name="boardId"/>.</summary>
    public static string SealedState(string key, string boardId, string connectionId, string userId, string role = "editor") =>
        new ConnectionStateSealer([key]).Seal(new ConnectionState(boardId, "Name of " + userId, role, connectionId, userId, StateIssuedAt));

    /// <summary>
    /// Any event as Web PubSub sends it over the wire (binary-mode CloudEvent, JSON body), to the event handler at
    /// <paramref name="eventHandler"/>, with <paramref name="state"/> as its <c>ce-connectionState</c> and
    /// <paramref name="time"/> (now by default) as its <c>ce-time</c>.
    /// </summary>
    public static HttpRequestMessage EventMessage(
        Uri eventHandler,
        string key,
        string hub,
        string type,
        string eventName,
        string connectionId,
        string? userId,
        string? state,
        string body,
        string? eventId = null,
        DateTimeOffset? time = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, eventHandler)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in Headers(key, type, eventName, connectionId, userId, state, eventId ?? Guid.NewGuid().ToString("N"), hub, time ?? DateTimeOffset.UtcNow))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary><c>ce-time</c> as the emulator writes it (§4.2).</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string ConnectBody(string claimsJson) =>
        $$"""{"claims":{{claimsJson}},"query":{},"headers":{},"subprotocols":["json.webpubsub.azure.v1","json.reliable.webpubsub.azure.v1"],"clientCertificates":[]}""";

    private static IEnumerable<(string Name, string Value)> Headers(string key, string type, string eventName, string connectionId, string? userId, string? state, string eventId, string hub, DateTimeOffset time)
    {
        yield return ("WebHook-Request-Origin", "127.0.0.1");
        yield return ("ce-specversion", "1.0");
        yield return ("ce-awpsversion", "1.0");
        yield return ("ce-type", type);
        yield return ("ce-source", $"/hubs/{hub}/client/{connectionId}");
        yield return ("ce-id", eventId);
        yield return ("ce-time", Time(time));
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
            yield return ("ce-connectionState", state);
        }
    }
}
