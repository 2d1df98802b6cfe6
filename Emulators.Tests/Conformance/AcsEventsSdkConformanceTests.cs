using System.Globalization;
using Collab.Emulators.AcsEvents;
using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// The emulator's ACS event deliveries received by a Node webhook and parsed by the unmodified @azure/eventgrid 5.12.0
/// (shared/protocols/acs-chat-rooms.md §11–§12): both handshakes, both schemas, every thread-level chat event of §10.
/// </summary>
public sealed class AcsEventsSdkConformanceTests
{
    [Fact]
    public async Task EveryThreadEvent_InBothSchemas_ParsesWithTheJsSdk()
    {
        var port = FreePort.Next();
        await using var emulator = await AcsEventsEmulator.StartAsync();
        var receiver = NodeScript.AssertPassesAsync("acs-events.mjs", new Dictionary<string, string>
        {
            ["EVENTS_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["EVENTS_SECRET"] = "webhook-secret",
            ["EVENTS_TOPIC"] = emulator.Options.Events.Topic,
            ["EVENTS_TYPES"] = string.Join(',', AcsEventsSamples.Types),
        }, "all");

        // Added after start, before the receiver may be listening: the handshake is retried until it passes (§11).
        emulator.Options.Events.Subscriptions.Add(new() { Name = "eg", Endpoint = $"http://127.0.0.1:{port}/eg?secret=webhook-secret" });
        emulator.Options.Events.Subscriptions.Add(new() { Name = "ce", Endpoint = $"http://127.0.0.1:{port}/ce", Schema = AcsEventSchema.CloudEventSchemaV1_0 });
        foreach (var sample in AcsEventsSamples.All())
        {
            emulator.Publisher.Publish(sample);
        }

        await receiver;
    }
}
