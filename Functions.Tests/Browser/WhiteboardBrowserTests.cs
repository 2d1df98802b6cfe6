using Collab.Functions.Tests.Infrastructure;

namespace Collab.Functions.Tests.Browser;

/// <summary>
/// The web app in headless Debian chromium (browser/whiteboard.mjs on playwright-core), against the local functions
/// host, the Web PubSub and ACS emulators and Azurite. A failed scenario leaves screenshots in artifacts/screenshots.
/// </summary>
public sealed class WhiteboardBrowserTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private const string Chromium = "/usr/bin/chromium";

    [Theory]
    [InlineData("drawPresenceChat")]
    [InlineData("undoRedoAndReload")]
    [InlineData("reconnectCatchesUp")]
    [InlineData("privateBoardRefused")]
    public async Task Scenario(string scenario)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (scripts/test.sh does, with apt-get).");
        await using var stack = await LocalStack.StartAsync(emulators);

        await NodeScript.AssertPassesAsync("browser/whiteboard.mjs", new Dictionary<string, string>
        {
            ["BASE_URL"] = stack.BaseAddress.AbsoluteUri,
            ["CHROMIUM"] = Chromium,
            ["SCREENSHOTS"] = Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots"),
        }, scenario);
    }
}
