namespace Collab.Emulators.AcsEvents;

/// <summary>
/// Configuration of the emulator's event delivery, section <c>Acs:Events</c>. Read live: a subscription added after
/// start is validated and served from then on (shared/protocols/acs-chat-rooms.md §11).
/// </summary>
public sealed class AcsEventsEmulatorOptions
{
    /// <summary>The webhooks events go to, as Event Grid subscriptions on the ACS resource's system topic.</summary>
    public List<AcsEventSubscriptionOptions> Subscriptions { get; set; } = [];

    /// <summary>Event Grid's retry schedule (10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, …) cut at 10 min for local use.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10)];

    /// <summary>
    /// Delays before the 2nd, 3rd, … attempt of a failed delivery or handshake; the last repeats. Empty means
    /// <see cref="DefaultRetryDelays"/> (a default list here would be appended to by configuration binding); tests use milliseconds.
    /// </summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>Attempts per event and subscription before it is dropped (Event Grid's default 30).</summary>
    public int MaxDeliveryAttempts { get; set; } = 30;

    /// <summary>How long an undelivered event is kept (Event Grid's default 1440 min).</summary>
    public TimeSpan EventTimeToLive { get; set; } = TimeSpan.FromMinutes(1440);

    /// <summary>How long one attempt may take before it counts as failed (Event Grid's 30 s).</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Events waiting, in the inbound queue and per subscription; beyond it the oldest is dropped with a warning.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>The Azure subscription id in the resource id that is every event's <c>topic</c> (CloudEvents <c>source</c>).</summary>
    public string AzureSubscriptionId { get; set; } = "00000000-0000-0000-0000-000000000000";

    /// <summary>The resource group in <see cref="Topic"/>.</summary>
    public string ResourceGroup { get; set; } = "local";

    /// <summary>The ACS resource name in <see cref="Topic"/>.</summary>
    public string ResourceName { get; set; } = "acs-emulator";

    /// <summary>The ACS resource id, the events' <c>topic</c> (§10).</summary>
    public string Topic =>
        $"/subscriptions/{AzureSubscriptionId}/resourcegroups/{ResourceGroup}/providers/microsoft.communication/communicationservices/{ResourceName}";
}

/// <summary>One webhook subscription, section <c>Acs:Events:Subscriptions:{i}</c>.</summary>
public sealed class AcsEventSubscriptionOptions
{
    /// <summary>Sent as <c>aeg-subscription-name</c> (upper-cased, as Event Grid does); default <c>ACS-EMULATOR-{i}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>The webhook URL, query included (it may carry a secret, so it is never logged whole).</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The delivery schema.</summary>
    public AcsEventSchema Schema { get; set; } = AcsEventSchema.EventGridSchema;

    /// <summary>The event types delivered (full names); empty means all.</summary>
    public List<string> IncludedEventTypes { get; set; } = [];

    /// <summary>
    /// Headers sent with every request to the webhook, handshakes included, as an Event Grid subscription's static
    /// delivery attributes are (shared/protocols/acs-chat-rooms.md §11 (c)); values may be secrets, so they are never logged.
    /// </summary>
    public Dictionary<string, string> Headers { get; set; } = [];
}

/// <summary>The delivery schemas of an Event Grid subscription.</summary>
public enum AcsEventSchema
{
    /// <summary>An array of Event Grid events (<c>application/json</c>).</summary>
    EventGridSchema,

    /// <summary>One structured-mode CloudEvent 1.0 (<c>application/cloudevents+json</c>).</summary>
    CloudEventSchemaV1_0,
}
