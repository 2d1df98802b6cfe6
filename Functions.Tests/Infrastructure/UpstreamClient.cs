using System.Net;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// A stack's event handler (<c>/api/eventhandler</c>) called over HTTP as the Web PubSub service calls it:
/// binary-mode CloudEvents for the stack's hub (shared/protocols/web-pubsub.md §4.2), signed over the connection id
/// with <paramref name="key"/> (§4.3), with the connection state sealed from the same key (§4.8). No sign-in is
/// involved: the signature is what admits the service.
/// </summary>
internal sealed class UpstreamClient(LocalStack stack, string key) : IDisposable
{
    private readonly HttpClient _http = new();

    /// <summary>The stack's hub, the one its worker accepts events for.</summary>
    public string Hub => stack.Settings["WebPubSub:Hub"]!;

    /// <summary>The event handler's address.</summary>
    public Uri EventHandler => new(stack.BaseAddress, "api/eventhandler");

    /// <summary>A <c>connect</c> event of <paramref name="userId"/> whose token carried <paramref name="claimsJson"/>.</summary>
    public HttpRequestMessage Connect(string connectionId, string userId, string claimsJson, string? eventId = null) =>
        UpstreamEvents.ConnectMessage(EventHandler, key, Hub, connectionId, userId, claimsJson, eventId);

    /// <summary>A user event from a connection admitted to <paramref name="boardId"/>.</summary>
    public HttpRequestMessage User(string eventName, string connectionId, string userId, string boardId, string body, string? eventId = null) =>
        UpstreamEvents.UserMessage(EventHandler, key, Hub, eventName, connectionId, userId, boardId, body, eventId);

    /// <summary>Sends <paramref name="request"/> and disposes it.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await _http.SendAsync(request);
        }
    }

    /// <summary>Commits one operation as <paramref name="userId"/> and returns its seq; anything but 200 fails the test.</summary>
    public async Task<long> CommitAsync(string boardId, string userId, string eventName, string body)
    {
        using var response = await SendAsync(User(eventName, "c-" + userId, userId, boardId, body));
        return await SeqOfAsync(response);
    }

    /// <summary>The seq a committed operation was answered with (<c>200 {"seq":N}</c>).</summary>
    public static async Task<long> SeqOfAsync(HttpResponseMessage response) =>
        (await BoardApi.JsonAsync(response, HttpStatusCode.OK)).GetProperty("seq").GetInt64();

    /// <summary>An <c>addShape</c> body for a rectangle; the op id makes a retry of the same body a duplicate.</summary>
    public static string AddRect(string opId, string shapeId, int n = 10) =>
        $$$"""{"opId":"{{{opId}}}","shape":{"id":"{{{shapeId}}}","kind":"rect","color":"#1e90ff","width":2,"x":{{{n}}},"y":{{{n}}},"w":30,"h":40}}""";

    public void Dispose() => _http.Dispose();
}
