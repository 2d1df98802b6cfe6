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
        request.Headers["WebHook-Request-Origin"] = "127.0.0.1";
        request.Headers["ce-specversion"] = "1.0";
        request.Headers["ce-awpsversion"] = "1.0";
        request.Headers["ce-type"] = type;
        request.Headers["ce-source"] = $"/hubs/{hub}/client/{connectionId}";
        request.Headers["ce-id"] = eventId;
        request.Headers["ce-time"] = "2026-11-25T00:00:00Z";
        request.Headers["ce-signature"] = CloudEventSignature.Create(connectionId, [key]);
        request.Headers["ce-connectionId"] = connectionId;
        request.Headers["ce-hub"] = hub;
        request.Headers["ce-eventName"] = eventName;
        if (userId is not null)
        {
            request.Headers["ce-userId"] = userId;
        }

        if (state is not null)
        {
            request.Headers["ce-connectionState"] = state.Encode();
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        request.Body = new MemoryStream(bytes);
        request.ContentLength = bytes.Length;
        request.ContentType = "application/json; charset=utf-8";
        return request;
    }
}
