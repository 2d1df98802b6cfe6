using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// @azure/communication-identity 1.3.1, unmodified, against the ACS identity emulator
/// (shared/protocols/acs-identity.md §7, §13).
/// </summary>
public sealed class AcsIdentitySdkConformanceTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Theory]
    [InlineData("createUser")]
    [InlineData("createUserAndToken")]
    [InlineData("getToken")]
    [InlineData("revokeTokens")]
    [InlineData("deleteUser")]
    [InlineData("wrongKey")]
    [InlineData("expiryOutOfRange")]
    [InlineData("emptyScopes")]
    public Task Scenario(string scenario) =>
        NodeScript.AssertPassesAsync("acs-identity.mjs", new Dictionary<string, string>
        {
            ["ACS_CONNECTION_STRING"] = emulators.AcsConnectionString,
            ["ACS_WRONG_CONNECTION_STRING"] = $"endpoint={emulators.AcsEndpoint};accesskey={Convert.ToBase64String("a-different-key-entirely-0123456"u8)}",
        }, scenario);
}
