using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Collab.Emulators.AcsIdentity;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsEvents;

/// <summary>
/// Delivers ACS events to the configured webhooks as Event Grid does (shared/protocols/acs-chat-rooms.md §10–§11):
/// each subscription passes its validation handshake before it gets anything, then each event is POSTed with the
/// <c>aeg-*</c> headers, success is exactly 200–204, and other answers are retried on the configured schedule except
/// 400, 401, 403 and 413. One background worker takes the events in and fans them out; each subscription is served
/// by a task of its own, one at a time per subscription and at most <see cref="MaxServedAtOnce"/> at once, so a webhook
/// that hangs (up to <see cref="AcsEventsEmulatorOptions.DeliveryTimeout"/> per attempt) delays only its own events.
/// Everything stops with the application.
/// </summary>
public sealed class AcsEventPublisher : BackgroundService
{
    /// <summary>The most subscriptions served at the same time; the others wait for the next round.</summary>
    public const int MaxServedAtOnce = 16;

    private const string ValidationEventType = "Microsoft.EventGrid.SubscriptionValidationEvent";
    private const string RequestOrigin = "eventgrid.azure.net";

    // How often an idle worker looks for subscriptions added to the options since it last looked.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly int[] NotRetried = [400, 401, 403, 413];

    private readonly IOptions<AcsIdentityEmulatorOptions> _options;
    private readonly AcsWebhookClient _webhooks;
    private readonly TimeProvider _time;
    private readonly ILogger<AcsEventPublisher> _logger;
    private readonly Channel<QueuedEvent> _inbound;

    // Touched by the worker only; a subscription's own state is shared with its serving task under its lock.
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);

    /// <summary>Creates the publisher; the inbound queue holds <see cref="AcsEventsEmulatorOptions.QueueCapacity"/> events as configured at start.</summary>
    public AcsEventPublisher(IOptions<AcsIdentityEmulatorOptions> options, AcsWebhookClient webhooks, TimeProvider time, ILogger<AcsEventPublisher> logger)
    {
        _options = options;
        _webhooks = webhooks;
        _time = time;
        _logger = logger;
        _inbound = Channel.CreateBounded<QueuedEvent>(
            new BoundedChannelOptions(Math.Max(1, Settings.QueueCapacity)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => _logger.LogWarning("Event queue full: dropped {EventType} {EventId}", dropped.EventType, dropped.Id));
    }

    private AcsEventsEmulatorOptions Settings => _options.Value.Events;

    /// <summary>Queues <paramref name="acsEvent"/> for delivery to every subscription; never blocks the caller.</summary>
    /// <remarks>The data is serialized now, so the caller may reuse its <see cref="JsonObject"/>.</remarks>
    public void Publish(AcsEvent acsEvent)
    {
        ArgumentNullException.ThrowIfNull(acsEvent);
        // The request that raised the event is remembered, so its deliveries join that request's trace.
        _inbound.Writer.TryWrite(new QueuedEvent(
            Guid.NewGuid().ToString(), _time.GetUtcNow(), acsEvent.EventType, acsEvent.Subject, AcsEventEnvelope.DataJson(acsEvent.Data), Activity.Current?.Context ?? default));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken);
        }
        finally
        {
            // Serving tasks end with the application (they see the same token) and never throw.
            await Task.WhenAll(_subscriptions.Values.Select(s => s.Serving).OfType<Task>());
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Refresh();
                while (_inbound.Reader.TryRead(out var queued))
                {
                    FanOut(queued);
                }

                var serving = _subscriptions.Values.Count(s => s.IsServing);
                foreach (var subscription in _subscriptions.Values.Where(s => !s.IsServing && s.Endpoint is not null))
                {
                    if (serving++ >= MaxServedAtOnce)
                    {
                        break;
                    }

                    subscription.Serving = Task.Run(() => ServeAsync(subscription, stoppingToken), CancellationToken.None);
                }

                await WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A fault in one round must not end delivery for the emulator's lifetime (or stop the host).
                _logger.LogError(ex, "Event delivery round failed");
                await Task.Delay(PollInterval, _time, stoppingToken);
            }
        }
    }

    /// <summary>Mirrors the configured subscriptions: new ones start unvalidated, removed ones are forgotten with what they held.</summary>
    private void Refresh()
    {
        var configured = new Dictionary<string, (AcsEventSubscriptionOptions Options, string Name)>(StringComparer.Ordinal);
        var list = Settings.Subscriptions.ToArray();
        for (var i = 0; i < list.Length; i++)
        {
            if (list[i] is { Endpoint.Length: > 0 } item)
            {
                var name = (item.Name ?? "acs-emulator-" + i.ToString(CultureInfo.InvariantCulture)).ToUpperInvariant();
                var headers = string.Join("\n", item.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Key + ":" + h.Value));
                configured.TryAdd($"{name}|{item.Schema}|{item.Endpoint}|{headers}", (item, name));
            }
        }

        foreach (var key in _subscriptions.Keys.Where(k => !configured.ContainsKey(k)).ToList())
        {
            _logger.LogInformation("Subscription {Subscription} removed; {Count} undelivered events dropped", _subscriptions[key].Name, _subscriptions[key].Pending.Count);
            _subscriptions.Remove(key);
        }

        foreach (var (key, (item, name)) in configured)
        {
            if (!_subscriptions.ContainsKey(key))
            {
                var valid = Uri.TryCreate(item.Endpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https";
                if (!valid)
                {
                    _logger.LogWarning("Subscription {Subscription} has no absolute http(s) endpoint; it gets nothing", name);
                }

                _subscriptions[key] = new Subscription(name, valid ? endpoint! : null, item.Schema, item.IncludedEventTypes.ToArray(), item.Headers.ToArray(), _time.GetUtcNow());
            }
        }
    }

    private void FanOut(QueuedEvent queued)
    {
        var expires = queued.Time + Settings.EventTimeToLive;
        foreach (var subscription in _subscriptions.Values)
        {
            if (subscription.Endpoint is null
                || (subscription.IncludedEventTypes.Length > 0 && !subscription.IncludedEventTypes.Contains(queued.EventType, StringComparer.OrdinalIgnoreCase)))
            {
                continue;
            }

            QueuedEvent? dropped = null;
            lock (subscription.Gate)
            {
                subscription.Pending.AddLast(new Delivery(queued, expires) { DueAt = queued.Time });
                if (subscription.Pending.Count > Math.Max(1, Settings.QueueCapacity))
                {
                    dropped = subscription.Pending.First!.Value.Event;
                    subscription.Pending.RemoveFirst();
                }
            }

            if (dropped is not null)
            {
                _logger.LogWarning("Subscription {Subscription} holds too many undelivered events: dropped {EventType} {EventId}", subscription.Name, dropped.EventType, dropped.Id);
            }
        }
    }

    // One round of a subscription, on its own task; a fault is logged, and the next round tries again.
    private async Task ServeAsync(Subscription subscription, CancellationToken stoppingToken)
    {
        try
        {
            await ServeRoundAsync(subscription, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Event delivery round of {Subscription} failed", subscription.Name);
        }
    }

    private async Task ServeRoundAsync(Subscription subscription, CancellationToken stoppingToken)
    {
        DropExpired(subscription);

        if (!subscription.Validated)
        {
            if (subscription.NextValidationAt > _time.GetUtcNow())
            {
                return;
            }

            await ValidateAsync(subscription, stoppingToken);
            if (!subscription.Validated)
            {
                return;
            }
        }

        List<Delivery> due;
        lock (subscription.Gate)
        {
            var now = _time.GetUtcNow();
            due = subscription.Pending.Where(d => d.DueAt <= now).ToList();
        }

        foreach (var delivery in due)
        {
            if (await DeliverAsync(subscription, delivery, stoppingToken))
            {
                lock (subscription.Gate)
                {
                    subscription.Pending.Remove(delivery);
                }
            }
        }
    }

    /// <summary>The handshake: Event Grid schema wants 200 with the code echoed, CloudEvents wants WebHook-Allowed-Origin (§11, §13.4).</summary>
    private async Task ValidateAsync(Subscription subscription, CancellationToken stoppingToken)
    {
        var endpoint = subscription.Endpoint!;
        bool passed;
        WebhookAnswer answer;
        if (subscription.Schema == AcsEventSchema.CloudEventSchemaV1_0)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, endpoint);
            AddHeaders(request, subscription);
            request.Headers.TryAddWithoutValidation("WebHook-Request-Origin", RequestOrigin);
            answer = await _webhooks.SendAsync(request, Settings.DeliveryTimeout, readBody: false, stoppingToken);
            passed = answer.Status is >= 200 and <= 204
                && answer.AllowedOrigin?.Split(',').Any(o => o.Trim() is "*" or RequestOrigin) == true;
        }
        else
        {
            var code = Guid.NewGuid().ToString();
            // Only the synchronous handshake is emulated; this URL is informational and not served.
            var data = new JsonObject { ["validationCode"] = code, ["validationUrl"] = $"https://eventgrid.emulator.invalid/validate?id={code}" };
            var body = AcsEventEnvelope.EventGrid(Guid.NewGuid().ToString(), Settings.Topic, "", ValidationEventType, AcsEventEnvelope.DataJson(data), _time.GetUtcNow(), dataVersion: "1");
            using var request = Request(subscription, "SubscriptionValidation", body, 0, null);
            answer = await _webhooks.SendAsync(request, Settings.DeliveryTimeout, readBody: true, stoppingToken);
            passed = answer.Status == 200 && EchoesCode(answer.Body, code);
        }

        if (passed)
        {
            subscription.Validated = true;
            _logger.LogInformation("Subscription {Subscription} validated by {Endpoint}", subscription.Name, AcsWebhookClient.Redact(endpoint));
            return;
        }

        subscription.ValidationAttempts++;
        var delay = RetryDelay(subscription.ValidationAttempts);
        subscription.NextValidationAt = _time.GetUtcNow() + delay;
        _logger.LogWarning(
            "Subscription {Subscription}: {Endpoint} failed the {Schema} validation handshake ({Status}{Failure}); nothing is delivered until it passes, next try in {Delay}",
            subscription.Name, AcsWebhookClient.Redact(endpoint), subscription.Schema, answer.Status, answer.Failure is null ? "" : ", " + answer.Failure, delay);
    }

    /// <summary>One attempt; true when the delivery is finished (delivered, refused for good, or out of attempts).</summary>
    private async Task<bool> DeliverAsync(Subscription subscription, Delivery delivery, CancellationToken stoppingToken)
    {
        var queued = delivery.Event;
        var body = subscription.Schema == AcsEventSchema.CloudEventSchemaV1_0
            ? AcsEventEnvelope.CloudEvent(queued.Id, Settings.Topic, queued.Subject, queued.EventType, queued.DataJson, queued.Time)
            : AcsEventEnvelope.EventGrid(queued.Id, Settings.Topic, queued.Subject, queued.EventType, queued.DataJson, queued.Time);
        var endpoint = AcsWebhookClient.Redact(subscription.Endpoint!);
        using var activity = EmulatorTelemetry.Source.StartActivity($"ACS event delivery {queued.EventType}", ActivityKind.Producer, queued.Origin);
        activity?.SetTag("collab.acs.event_type", queued.EventType);
        activity?.SetTag("collab.acs.subscription", subscription.Name);
        activity?.SetTag("collab.acs.endpoint", endpoint);
        activity?.SetTag("collab.acs.attempt", delivery.Attempts + 1);
        using var request = Request(subscription, "Notification", body, delivery.Attempts, queued.Id);
        var answer = await _webhooks.SendAsync(request, Settings.DeliveryTimeout, readBody: false, stoppingToken);
        delivery.Attempts++;
        activity?.SetTag("http.response.status_code", answer.Status);
        if (answer.Status is not (>= 200 and <= 204))
        {
            activity?.SetStatus(ActivityStatusCode.Error, answer.Failure ?? $"answered {answer.Status}");
        }

        if (answer.Status is >= 200 and <= 204)
        {
            _logger.LogInformation("Delivered {EventType} {EventId} to {Subscription} at {Endpoint} ({Status}, attempt {Attempt})",
                queued.EventType, queued.Id, subscription.Name, endpoint, answer.Status, delivery.Attempts);
            return true;
        }

        if (NotRetried.Contains(answer.Status) || delivery.Attempts >= Settings.MaxDeliveryAttempts)
        {
            _logger.LogWarning("Dropped {EventType} {EventId} for {Subscription} at {Endpoint}: {Status}{Failure} on attempt {Attempt}, {Reason}",
                queued.EventType, queued.Id, subscription.Name, endpoint, answer.Status, answer.Failure is null ? "" : " " + answer.Failure, delivery.Attempts,
                NotRetried.Contains(answer.Status) ? "not retried" : "out of attempts");
            return true;
        }

        var delay = RetryDelay(delivery.Attempts);
        delivery.DueAt = _time.GetUtcNow() + delay;
        _logger.LogInformation("Delivery of {EventType} {EventId} to {Subscription} at {Endpoint} failed ({Status}{Failure}); attempt {Attempt} in {Delay}",
            queued.EventType, queued.Id, subscription.Name, endpoint, answer.Status, answer.Failure is null ? "" : ", " + answer.Failure, delivery.Attempts + 1, delay);
        return false;
    }

    private HttpRequestMessage Request(Subscription subscription, string eventType, byte[] body, int deliveryCount, string? eventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, subscription.Endpoint) { Content = new ByteArrayContent(body) };
        AddHeaders(request, subscription);
        var cloudEvents = subscription.Schema == AcsEventSchema.CloudEventSchemaV1_0;
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(cloudEvents ? "application/cloudevents+json; charset=utf-8" : "application/json; charset=utf-8");
        request.Headers.TryAddWithoutValidation("aeg-event-type", eventType);
        request.Headers.TryAddWithoutValidation("aeg-subscription-name", subscription.Name);
        request.Headers.TryAddWithoutValidation("aeg-delivery-count", deliveryCount.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("aeg-metadata-version", "1");
        if (cloudEvents)
        {
            request.Headers.TryAddWithoutValidation("Origin", RequestOrigin);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("aeg-data-version", eventType == "SubscriptionValidation" ? "1" : "1.0");
        }

        if (eventId is not null)
        {
            request.Headers.TryAddWithoutValidation("aeg-output-event-id", eventId);
        }

        return request;
    }

    private static void AddHeaders(HttpRequestMessage request, Subscription subscription)
    {
        foreach (var (name, value) in subscription.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private void DropExpired(Subscription subscription)
    {
        var now = _time.GetUtcNow();
        List<Delivery> expired;
        lock (subscription.Gate)
        {
            expired = subscription.Pending.Where(d => d.ExpiresAt <= now).ToList();
            foreach (var delivery in expired)
            {
                subscription.Pending.Remove(delivery);
            }
        }

        foreach (var delivery in expired)
        {
            _logger.LogWarning("Dropped {EventType} {EventId} for {Subscription}: undelivered after {TimeToLive}",
                delivery.Event.EventType, delivery.Event.Id, subscription.Name, Settings.EventTimeToLive);
        }
    }

    /// <summary>
    /// Sleeps until the next due retry or handshake of a subscription not being served, a new event, or the poll
    /// interval, whichever comes first (a subscription being served is looked at again once its round ends).
    /// </summary>
    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        var wake = now + PollInterval;
        foreach (var subscription in _subscriptions.Values.Where(s => s.Endpoint is not null && !s.IsServing))
        {
            if (!subscription.Validated)
            {
                wake = Min(wake, subscription.NextValidationAt);
                continue;
            }

            lock (subscription.Gate)
            {
                if (subscription.Pending.Count > 0)
                {
                    wake = Min(wake, subscription.Pending.Min(d => d.DueAt));
                }
            }
        }

        if (wake <= now)
        {
            return;
        }

        using var until = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        until.CancelAfter(wake - now);
        try
        {
            await _inbound.Reader.WaitToReadAsync(until.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    private TimeSpan RetryDelay(int attemptsSoFar)
    {
        IReadOnlyList<TimeSpan> delays = Settings.RetryDelays is { Count: > 0 } configured ? configured : AcsEventsEmulatorOptions.DefaultRetryDelays;
        return delays[Math.Min(attemptsSoFar, delays.Count) - 1];
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static bool EchoesCode(string body, string code)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.EnumerateObject().Any(p =>
                    p.NameEquals("validationResponse") && p.Value.ValueKind == JsonValueKind.String && string.Equals(p.Value.GetString(), code, StringComparison.OrdinalIgnoreCase));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private sealed record QueuedEvent(string Id, DateTimeOffset Time, string EventType, string Subject, string DataJson, ActivityContext Origin);

    private sealed class Delivery(QueuedEvent queued, DateTimeOffset expiresAt)
    {
        public QueuedEvent Event { get; } = queued;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public DateTimeOffset DueAt { get; set; }

        public int Attempts { get; set; }
    }

    private sealed class Subscription(string name, Uri? endpoint, AcsEventSchema schema, string[] includedEventTypes, KeyValuePair<string, string>[] headers, DateTimeOffset nextValidationAt)
    {
        public KeyValuePair<string, string>[] Headers { get; } = headers;

        public string Name { get; } = name;

        public Uri? Endpoint { get; } = endpoint;

        public AcsEventSchema Schema { get; } = schema;

        public string[] IncludedEventTypes { get; } = includedEventTypes;

        /// <summary>Guards <see cref="Pending"/>, shared by the worker (fan-out) and the serving task.</summary>
        public Lock Gate { get; } = new();

        public LinkedList<Delivery> Pending { get; } = new();

        /// <summary>The round under way, if any (set and read by the worker only).</summary>
        public Task? Serving { get; set; }

        public bool IsServing => Serving is { IsCompleted: false };

        public bool Validated { get; set; }

        public int ValidationAttempts { get; set; }

        public DateTimeOffset NextValidationAt { get; set; } = nextValidationAt;
    }
}
