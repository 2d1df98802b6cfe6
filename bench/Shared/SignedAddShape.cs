using System.Globalization;
using System.Text;
using Collab.Functions.Hub;
using Collab.Protocols.WebPubSub;

namespace Collab.Bench;

/// <summary>An <c>addShape</c> user event as Web PubSub posts it to an event handler, signed with one access key.</summary>
public static class SignedAddShape
{
    /// <summary>The request for operation <paramref name="n"/> of <paramref name="connectionId"/> on <paramref name="boardId"/>.</summary>
    public static HttpRequestMessage Create(Uri url, string hub, string key, string connectionId, string userId, string boardId, int n)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(
                $$$"""{"opId":"{{{connectionId}}}-{{{n}}}-{{{Guid.NewGuid():N}}}","shape":{"id":"s{{{n % 200}}}","kind":"polyline","color":"#1e90ff","width":2,"points":[[1,2],[3,4],[5,6],[7,8]]}}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Add("WebHook-Request-Origin", "127.0.0.1");
        request.Headers.Add("ce-specversion", "1.0");
        request.Headers.Add("ce-awpsversion", "1.0");
        request.Headers.Add("ce-type", "azure.webpubsub.user.addShape");
        request.Headers.Add("ce-eventName", "addShape");
        request.Headers.Add("ce-hub", hub);
        // Unique per request: the handler refuses an event id it saw before with another body (a replay).
        request.Headers.Add("ce-id", Guid.NewGuid().ToString("N"));
        request.Headers.Add("ce-time", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        request.Headers.Add("ce-connectionId", connectionId);
        request.Headers.Add("ce-userId", userId);
        request.Headers.Add("ce-signature", CloudEventSignature.Create(connectionId, [key]));
        request.Headers.Add("ce-connectionState", new ConnectionStateSealer([key]).Seal(new ConnectionState(boardId, "Bench", "editor", connectionId, userId, DateTimeOffset.UnixEpoch)));
        return request;
    }
}
