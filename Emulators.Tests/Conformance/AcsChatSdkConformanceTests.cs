using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// @azure/communication-chat 1.6.0, unmodified, against the ACS emulator's chat data plane over HTTPS, trusting the
/// development certificate only through NODE_EXTRA_CA_CERTS (shared/protocols/acs-chat-rooms.md rule 1, §3–§6).
/// </summary>
public sealed class AcsChatSdkConformanceTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Theory]
    [InlineData("thread")]
    [InlineData("properties")]
    [InlineData("participants")]
    [InlineData("messages")]
    [InlineData("readReceipts")]
    [InlineData("typing")]
    [InlineData("listThreads")]
    [InlineData("shareHistory")]
    [InlineData("nonParticipant")]
    [InlineData("revokedToken")]
    [InlineData("scopes")]
    public Task Scenario(string scenario) =>
        NodeScript.AssertPassesAsync("acs-chat.mjs", new Dictionary<string, string>
        {
            ["ACS_CONNECTION_STRING"] = emulators.AcsConnectionString,
            ["ACS_HTTPS_ENDPOINT"] = emulators.AcsHttpsEndpoint.ToString(),
        }, scenario);
}
