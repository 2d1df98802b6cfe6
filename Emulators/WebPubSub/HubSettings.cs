namespace Collab.Emulators.WebPubSub;

/// <summary>One hub's configuration.</summary>
public sealed class HubSettings
{
    /// <summary>Event handlers in priority order; the first one matching an event wins.</summary>
    public List<EventHandlerSettings> EventHandlers { get; set; } = [];
}
