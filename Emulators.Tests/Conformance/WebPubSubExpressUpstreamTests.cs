using Collab.Emulators.WebPubSub;
using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// @azure/web-pubsub-express 1.1.0 as the event handler behind the emulator: validation, connect, connected,
/// a user event whose response reaches the sender, and disconnected (shared/protocols/web-pubsub.md §4, §8.3).
/// </summary>
public sealed class WebPubSubExpressUpstreamTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public Task ExpressHandlerReceivesEveryEventWithTheRightContext()
    {
        var port = FreePort.Next();
        const string Hub = "express_upstream";
        emulators.WebPubSubOptions.Hubs[Hub] = new HubSettings
        {
            EventHandlers =
            [
                new EventHandlerSettings
                {
                    UrlTemplate = $"http://127.0.0.1:{port}/eventhandler/{{event}}",
                    UserEventPattern = "*",
                    SystemEvents = ["connect", "connected", "disconnected"],
                },
            ],
        };

        return NodeScript.AssertPassesAsync("web-pubsub-express.mjs", new Dictionary<string, string>
        {
            ["WPS_CONNECTION_STRING"] = emulators.WebPubSubConnectionString,
            ["WPS_HUB"] = Hub,
            ["HANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }
}
