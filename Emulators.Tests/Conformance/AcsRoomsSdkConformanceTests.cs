using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// @azure/communication-rooms 1.2.0, unmodified, against the ACS emulator's Rooms control plane
/// (shared/protocols/acs-chat-rooms.md §8): rooms, validity windows, participants and roles, paging, errors.
/// </summary>
public sealed class AcsRoomsSdkConformanceTests : IClassFixture<EmulatorHost>
{
    private const int PageSize = 2;
    private readonly EmulatorHost _emulators;

    public AcsRoomsSdkConformanceTests(EmulatorHost emulators)
    {
        _emulators = emulators;
        // Small pages so the SDK has to follow nextLink (§8, rule 4); the emulator reads this live.
        emulators.AcsOptions.Rooms.PageSize = PageSize;
    }

    [Theory]
    [InlineData("createAndGet")]
    [InlineData("createWithEverything")]
    [InlineData("update")]
    [InlineData("list")]
    [InlineData("delete")]
    [InlineData("participants")]
    [InlineData("participantPages")]
    [InlineData("badWindows")]
    [InlineData("badRequests")]
    [InlineData("wrongKey")]
    public Task Scenario(string scenario) =>
        NodeScript.AssertPassesAsync("acs-rooms.mjs", new Dictionary<string, string>
        {
            ["ACS_CONNECTION_STRING"] = _emulators.AcsConnectionString,
            ["ACS_WRONG_CONNECTION_STRING"] = $"endpoint={_emulators.AcsEndpoint};accesskey={Convert.ToBase64String("a-different-key-entirely-0123456"u8)}",
            ["ACS_ROOMS_PAGE_SIZE"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, scenario);
}
