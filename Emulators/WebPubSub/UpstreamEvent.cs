namespace Collab.Emulators.WebPubSub;

/// <summary>One CloudEvents request to the event handler.</summary>
/// <param name="Origin">The service host sent as <c>WebHook-Request-Origin</c>.</param>
/// <param name="Hub">The hub name.</param>
/// <param name="ConnectionId">The connection the event is about.</param>
/// <param name="UserId">The connection's user, if any.</param>
/// <param name="Subprotocol">The negotiated subprotocol, if any.</param>
/// <param name="ConnectionState">The state to send in <c>ce-connectionState</c>, if any.</param>
/// <param name="EventId">The <c>ce-id</c>.</param>
/// <param name="IsSystem">True for connect, connected and disconnected.</param>
/// <param name="EventName">The event name (<c>connect</c>, <c>message</c>, ...).</param>
/// <param name="ContentType">The body's content type.</param>
/// <param name="Body">The body bytes.</param>
public sealed record UpstreamEvent(
    string Origin,
    string Hub,
    string ConnectionId,
    string? UserId,
    string? Subprotocol,
    string? ConnectionState,
    string EventId,
    bool IsSystem,
    string EventName,
    string ContentType,
    byte[] Body)
{
    /// <summary>The <c>ce-type</c>.</summary>
    public string CloudEventType => (IsSystem ? "azure.webpubsub.sys." : "azure.webpubsub.user.") + EventName;
}
