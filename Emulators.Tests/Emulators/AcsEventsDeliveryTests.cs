using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Collab.Emulators.AcsEvents;
using Collab.Emulators.AcsIdentity;
using Collab.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Collab.Emulators.Tests;

/// <summary>
/// ACS events delivered to a webhook as Event Grid does (shared/protocols/acs-chat-rooms.md §10–§13): the handshake
/// first, the envelopes parsed by Azure.Messaging.EventGrid 4.17.0, the aeg-* headers, retries and what is not retried.
/// </summary>
public sealed class AcsEventsDeliveryTests
{
    private const string Topic = "/subscriptions/sub1/resourcegroups/rg1/providers/microsoft.communication/communicationservices/acs1";
    private const string Alice = "8:acs:res1_alice";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    [Fact]
    public void EventGridEnvelope_IsByteExactWithVector13_2()
    {
        var bytes = AcsEventEnvelope.EventGrid("ev-0001", Topic, "thread/19:t1@thread.v2/sender/8:acs:res1_alice",
            "Microsoft.Communication.ChatMessageReceivedInThread", Vector13Data, DateTimeOffset.Parse("2027-01-15T10:05:00.5Z", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(694, bytes.Length);
        Assert.Equal("93563e9b557b0ab2b26668a8d97e132d5aa75cafde07e5a4e29bad69c4a709d0", Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public void CloudEventEnvelope_IsByteExactWithVector13_3()
    {
        var bytes = AcsEventEnvelope.CloudEvent("ev-0001", Topic, "thread/19:t1@thread.v2/sender/8:acs:res1_alice",
            "Microsoft.Communication.ChatMessageReceivedInThread", Vector13Data, DateTimeOffset.Parse("2027-01-15T10:05:00.5Z", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(698, bytes.Length);
        Assert.Equal("e891b80188eb2a8cce8ac02b4fd7892e4f93668a3362a2d5eef07009ddbdcbfb", Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task AWebhookThatHangs_DelaysOnlyItsOwnSubscription()
    {
        await using var hanging = await Receiver.StartAsync();
        await using var receiver = await Receiver.StartAsync();
        using var release = new CancellationTokenSource();
        hanging.Notification = _ => Task.Delay(Timeout.Infinite, release.Token);
        await using var emulator = await AcsEventsEmulator.StartAsync(hanging.Subscription("hangs", ""), receiver.Subscription("answers", ""));
        emulator.Options.Events.DeliveryTimeout = TimeSpan.FromSeconds(30);
        try
        {
            emulator.Publisher.Publish(MessageReceived("hello"));

            // Each subscription is served on its own: the other webhook gets the event while the first still hangs
            // (an attempt may take up to the 30 s delivery timeout, §11).
            await Eventually.UntilAsync(() => hanging.Notifications.Any(), Within);
            await Eventually.UntilAsync(() => receiver.Notifications.Any(), TimeSpan.FromSeconds(3));
            Assert.Single(hanging.Notifications);
            Assert.Single(receiver.Notifications);
        }
        finally
        {
            await release.CancelAsync();
        }
    }

    [Fact]
    public async Task EventGridSchema_ValidatesFirst_ThenDeliversWhatAzureMessagingEventGridParses()
    {
        await using var receiver = await Receiver.StartAsync();
        var subscription = receiver.Subscription("chat-events", "?secret=s3cr3t-value");
        subscription.Headers["X-Collab-Events-Secret"] = "h3ader-s3cret-value";
        await using var emulator = await AcsEventsEmulator.StartAsync(subscription);

        emulator.Publisher.Publish(MessageReceived("hello"));
        await Eventually.UntilAsync(() => receiver.Notifications.Any(), Within);

        var requests = receiver.Upstream.Requests.ToArray();
        Assert.Equal("SubscriptionValidation", requests[0].Header("aeg-event-type"));

        // Static delivery attributes (§11 (c)) ride on every request, the handshake included.
        Assert.All(requests, r => Assert.Equal("h3ader-s3cret-value", r.Header("X-Collab-Events-Secret")));
        var validation = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(requests[0].Body)));
        Assert.True(validation.TryGetSystemEventData(out var validationData));
        Assert.IsType<SubscriptionValidationEventData>(validationData);

        var delivery = Assert.Single(receiver.Notifications);
        Assert.Equal("CHAT-EVENTS", delivery.Header("aeg-subscription-name"));
        Assert.Equal("0", delivery.Header("aeg-delivery-count"));
        Assert.Equal("1", delivery.Header("aeg-metadata-version"));
        Assert.Equal("1.0", delivery.Header("aeg-data-version"));
        Assert.Equal("application/json; charset=utf-8", delivery.Header("Content-Type"));
        var parsed = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(delivery.Body)));
        Assert.Equal(emulator.Options.Events.Topic, parsed.Topic);
        Assert.Equal("1.0", parsed.DataVersion);
        Assert.Equal(delivery.Header("aeg-output-event-id"), parsed.Id);
        Assert.True(parsed.TryGetSystemEventData(out var data));
        var message = Assert.IsType<AcsChatMessageReceivedInThreadEventData>(data);
        Assert.Equal("hello", message.MessageBody);
        Assert.Equal(1768471500000, message.Version);
        Assert.Equal(Alice, message.SenderCommunicationIdentifier.RawId);
        Assert.Equal("19:t1@thread.v2", message.ThreadId);

        // The endpoint's query carries the webhook secret: it never reaches the log (rules: no secrets in logs).
        Assert.Contains(emulator.Logs.Entries, e => e.Contains("Delivered", StringComparison.Ordinal));
        Assert.DoesNotContain(emulator.Logs.Entries, e => e.Contains("s3cr3t-value", StringComparison.Ordinal));
        Assert.DoesNotContain(emulator.Logs.Entries, e => e.Contains("h3ader-s3cret-value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CloudEventSchema_HandshakeIsOptions_ThenStructuredEventsParse()
    {
        await using var receiver = await Receiver.StartAsync();
        var subscription = receiver.Subscription("ce", "");
        subscription.Schema = AcsEventSchema.CloudEventSchemaV1_0;
        await using var emulator = await AcsEventsEmulator.StartAsync(subscription);

        emulator.Publisher.Publish(new AcsEvent("Microsoft.Communication.ChatThreadParticipantAdded", "thread/19:t1@thread.v2/participantadded/8:acs:res1_bob", new JsonObject
        {
            ["time"] = "2027-01-15T10:05:00Z",
            ["addedByCommunicationIdentifier"] = Identifier(Alice),
            ["participantAdded"] = new JsonObject { ["displayName"] = "Bob", ["participantCommunicationIdentifier"] = Identifier("8:acs:res1_bob") },
            ["version"] = 2,
            ["threadId"] = "19:t1@thread.v2",
            ["transactionId"] = "tx-2",
        }));
        await Eventually.UntilAsync(() => receiver.Notifications.Any(), Within);

        var handshake = receiver.Upstream.Requests.First();
        Assert.Equal("OPTIONS", handshake.Method);
        Assert.Equal("eventgrid.azure.net", handshake.Header("WebHook-Request-Origin"));
        var delivery = Assert.Single(receiver.Notifications);
        Assert.Equal("application/cloudevents+json; charset=utf-8", delivery.Header("Content-Type"));
        var cloudEvent = Assert.Single(CloudEvent.ParseMany(BinaryData.FromBytes(delivery.Body)));
        Assert.Equal(emulator.Options.Events.Topic, cloudEvent.Source);
        Assert.True(cloudEvent.TryGetSystemEventData(out var data));
        var added = Assert.IsType<AcsChatParticipantAddedToThreadEventData>(data);
        Assert.Equal("Bob", added.ParticipantAdded.DisplayName);
        Assert.Equal(Alice, added.AddedByCommunicationIdentifier.RawId);
    }

    [Fact]
    public async Task NothingIsDelivered_BeforeTheHandshakePasses()
    {
        await using var receiver = await Receiver.StartAsync();
        // 202 is not consent (§11); neither is 200 without the code.
        receiver.Validation = context =>
        {
            context.Response.StatusCode = 202;
            return Task.CompletedTask;
        };
        await using var emulator = await AcsEventsEmulator.StartAsync(receiver.Subscription("late", ""));

        emulator.Publisher.Publish(MessageReceived("held"));
        await Eventually.UntilAsync(() => receiver.Upstream.Requests.Count(r => r.Header("aeg-event-type") == "SubscriptionValidation") >= 3, Within);
        Assert.Empty(receiver.Notifications);

        receiver.Validation = null;
        await Eventually.UntilAsync(() => receiver.Notifications.Any(), Within);
        Assert.Equal("held", ParseMessage(Assert.Single(receiver.Notifications)).MessageBody);
    }

    [Fact]
    public async Task FailingReceiver_IsRetried_WithTheDeliveryCountGoingUp_ThenSucceeds()
    {
        await using var receiver = await Receiver.StartAsync();
        var failures = 2;
        receiver.Notification = context =>
        {
            context.Response.StatusCode = Interlocked.Decrement(ref failures) >= 0 ? 503 : 200;
            return Task.CompletedTask;
        };
        await using var emulator = await AcsEventsEmulator.StartAsync(receiver.Subscription("flaky", ""));

        emulator.Publisher.Publish(MessageReceived("again"));
        await Eventually.UntilAsync(() => receiver.Notifications.Count() >= 3, Within);
        await Task.Delay(300);

        var attempts = receiver.Notifications.ToList();
        Assert.Equal(["0", "1", "2"], attempts.Select(a => a.Header("aeg-delivery-count")));
        Assert.Single(attempts.Select(a => a.Header("aeg-output-event-id")).Distinct());
        Assert.Contains(emulator.Logs.Entries, e => e.Contains("Delivered", StringComparison.Ordinal) && e.Contains("attempt 3", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(413)]
    public async Task RefusalsThatMeanNever_AreNotRetried(int status)
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Notification = context =>
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        };
        await using var emulator = await AcsEventsEmulator.StartAsync(receiver.Subscription("strict", ""));

        emulator.Publisher.Publish(MessageReceived("once"));
        await Eventually.UntilAsync(() => receiver.Notifications.Any(), Within);
        // Several retry delays (50–150 ms) pass: a retried delivery would show up.
        await Task.Delay(700);

        Assert.Single(receiver.Notifications);
        Assert.Contains(emulator.Logs.Entries, e => e.Contains("not retried", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SubscriptionAddedAfterStart_WithIncludedEventTypes_GetsOnlyThose()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var emulator = await AcsEventsEmulator.StartAsync();
        var subscription = receiver.Subscription("filtered", "");
        subscription.IncludedEventTypes = ["Microsoft.Communication.ChatMessageReceivedInThread"];
        emulator.Options.Events.Subscriptions.Add(subscription);

        emulator.Publisher.Publish(new AcsEvent("Microsoft.Communication.ChatThreadDeleted", "thread/19:t1@thread.v2/deletedBy/8:acs:res1_alice", new JsonObject { ["threadId"] = "19:t1@thread.v2", ["version"] = 3 }));
        emulator.Publisher.Publish(MessageReceived("wanted"));
        await Eventually.UntilAsync(() => receiver.Notifications.Any(), Within);
        await Task.Delay(300);

        Assert.Equal("wanted", ParseMessage(Assert.Single(receiver.Notifications)).MessageBody);
    }

    [Fact]
    public async Task EveryThreadEvent_ParsesToItsSystemEventType()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var emulator = await AcsEventsEmulator.StartAsync(receiver.Subscription("all", ""));

        foreach (var sample in AcsEventsSamples.All())
        {
            emulator.Publisher.Publish(sample);
        }

        await Eventually.UntilAsync(() => receiver.Notifications.Count() >= AcsEventsSamples.Types.Count, Within);
        var parsed = receiver.Notifications.Select(n => Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(n.Body)))).ToList();
        var data = parsed.ToDictionary(e => e.EventType, e => e.TryGetSystemEventData(out var d) ? d : null);

        Assert.Equal(AcsEventsSamples.Types.Order(), data.Keys.Order());
        Assert.Equal("hello", Assert.IsType<AcsChatMessageReceivedInThreadEventData>(data[SystemEventNames.AcsChatMessageReceivedInThread]).MessageBody);
        Assert.Equal("hello, edited", Assert.IsType<AcsChatMessageEditedInThreadEventData>(data[SystemEventNames.AcsChatMessageEditedInThread]).MessageBody);
        Assert.NotNull(Assert.IsType<AcsChatMessageDeletedInThreadEventData>(data[SystemEventNames.AcsChatMessageDeletedInThread]).DeleteTime);
        Assert.Equal("Board 1", Assert.IsType<AcsChatThreadCreatedEventData>(data[SystemEventNames.AcsChatThreadCreated]).Properties["topic"].ToString());
        Assert.Equal(AcsEventsSamples.Alice, Assert.IsType<AcsChatThreadDeletedEventData>(data[SystemEventNames.AcsChatThreadDeleted]).DeletedByCommunicationIdentifier.RawId);
        Assert.NotNull(Assert.IsType<AcsChatThreadPropertiesUpdatedEventData>(data[SystemEventNames.AcsChatThreadPropertiesUpdated]).EditTime);
        Assert.Equal(AcsEventsSamples.Bob, Assert.IsType<AcsChatParticipantAddedToThreadEventData>(data[SystemEventNames.AcsChatParticipantAddedToThread]).ParticipantAdded.ParticipantCommunicationIdentifier.RawId);
        var removed = Assert.IsType<AcsChatParticipantRemovedFromThreadEventData>(data[SystemEventNames.AcsChatParticipantRemovedFromThread]);
        Assert.Equal(1768471500000, removed.Version);
        Assert.Equal(AcsEventsSamples.Thread, removed.ThreadId);
    }

    private static string Vector13Data =>
        """{"messageBody":"hello","messageId":"1768471500000","metadata":{"tag":"x"},"type":"Text","version":1768471500000,"senderDisplayName":"Alice","senderCommunicationIdentifier":{"rawId":"8:acs:res1_alice","communicationUser":{"id":"8:acs:res1_alice"}},"composeTime":"2027-01-15T10:05:00.000+00:00","threadId":"19:t1@thread.v2","transactionId":"tx-0001"}""";

    /// <summary>A §10 thread-level message event, data as in vector 13.2 (version a JSON number, rule 7).</summary>
    private static AcsEvent MessageReceived(string text)
    {
        var data = JsonNode.Parse(Vector13Data)!.AsObject();
        data["messageBody"] = text;
        return new AcsEvent("Microsoft.Communication.ChatMessageReceivedInThread", "thread/19:t1@thread.v2/sender/" + Alice, data);
    }

    private static JsonObject Identifier(string rawId) => new() { ["rawId"] = rawId, ["communicationUser"] = new JsonObject { ["id"] = rawId } };

    private static AcsChatMessageReceivedInThreadEventData ParseMessage(RecordedRequest delivery)
    {
        Assert.True(Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(delivery.Body))).TryGetSystemEventData(out var data));
        return Assert.IsType<AcsChatMessageReceivedInThreadEventData>(data);
    }

    /// <summary>A webhook that passes both handshakes unless told otherwise and answers deliveries 200 unless told otherwise.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private Receiver(RecordingUpstream upstream) => Upstream = upstream;

        public RecordingUpstream Upstream { get; }

        /// <summary>Overrides the Event Grid handshake's answer.</summary>
        public Func<HttpContext, Task>? Validation { get; set; }

        /// <summary>Overrides the answer to deliveries.</summary>
        public Func<HttpContext, Task>? Notification { get; set; }

        public IEnumerable<RecordedRequest> Notifications => Upstream.Requests.Where(r => r.Header("aeg-event-type") == "Notification");

        public static async Task<Receiver> StartAsync()
        {
            var receiver = new Receiver(await RecordingUpstream.StartAsync());
            receiver.Upstream.Respond = receiver.RespondAsync;
            return receiver;
        }

        public AcsEventSubscriptionOptions Subscription(string name, string query) =>
            new() { Name = name, Endpoint = Upstream.BaseUrl + "api/acs/events" + query };

        public ValueTask DisposeAsync() => Upstream.DisposeAsync();

        private async Task RespondAsync(RecordedRequest request, HttpContext context)
        {
            switch (request.Method, request.Header("aeg-event-type"))
            {
                case ("OPTIONS", _):
                    context.Response.Headers["WebHook-Allowed-Origin"] = request.Header("WebHook-Request-Origin");
                    break;
                case (_, "SubscriptionValidation") when Validation is not null:
                    await Validation(context);
                    break;
                case (_, "SubscriptionValidation"):
                    var code = JsonDocument.Parse(request.Body).RootElement[0].GetProperty("data").GetProperty("validationCode").GetString();
                    await context.Response.WriteAsJsonAsync(new { validationResponse = code });
                    break;
                default:
                    await (Notification ?? (c => Task.CompletedTask))(context);
                    break;
            }
        }
    }
}
