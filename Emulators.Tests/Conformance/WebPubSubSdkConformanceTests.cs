using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// @azure/web-pubsub 1.2.0 and @azure/web-pubsub-client 1.1.0, unmodified, against the Web PubSub emulator
/// (shared/protocols/web-pubsub.md §5, §6, §8).
/// </summary>
public sealed class WebPubSubSdkConformanceTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Theory]
    [InlineData("clientConnects")]
    [InlineData("groupMessaging")]
    [InlineData("serverSends")]
    [InlineData("groupManagement")]
    [InlineData("closeConnection")]
    [InlineData("forbiddenWithoutRole")]
    [InlineData("wrongKeyRefused")]
    [InlineData("reliableRecovery")]
    [InlineData("refusedRecoveryCloses1008")]
    public Task Scenario(string scenario) =>
        NodeScript.AssertPassesAsync("web-pubsub.mjs", new Dictionary<string, string>
        {
            ["WPS_CONNECTION_STRING"] = emulators.WebPubSubConnectionString,
            // A hub per scenario keeps groups and users of one scenario out of another's assertions.
            ["WPS_HUB"] = "conformance_" + scenario,
        }, scenario);
}
