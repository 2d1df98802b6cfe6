namespace Collab.Emulators.WebPubSub;

/// <summary>An upstream event handler: where events go and which events it wants.</summary>
public sealed class EventHandlerSettings
{
    /// <summary>The handler URL; <c>{hub}</c> and <c>{event}</c> are substituted.</summary>
    public string UrlTemplate { get; set; } = "";

    /// <summary>User events to forward: <c>*</c>, a comma-separated list, or one name. Empty forwards none.</summary>
    public string UserEventPattern { get; set; } = "";

    /// <summary>System events to forward: <c>connect</c>, <c>connected</c>, <c>disconnected</c>.</summary>
    public List<string> SystemEvents { get; set; } = [];

    /// <summary>True when this handler takes the system event <paramref name="name"/>.</summary>
    public bool HandlesSystemEvent(string name) => SystemEvents.Any(e => e.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when this handler takes the user event <paramref name="name"/>.</summary>
    public bool HandlesUserEvent(string name) =>
        UserEventPattern.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(p => p == "*" || p.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The URL for <paramref name="eventName"/> on <paramref name="hub"/>.</summary>
    public Uri Resolve(string hub, string eventName) =>
        new(UrlTemplate.Replace("{hub}", Uri.EscapeDataString(hub), StringComparison.OrdinalIgnoreCase)
            .Replace("{event}", Uri.EscapeDataString(eventName), StringComparison.OrdinalIgnoreCase));
}
