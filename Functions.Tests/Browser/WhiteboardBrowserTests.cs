using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Emulators.AcsEvents;
using Collab.Functions.Boards;
using Collab.Functions.Tests.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Browser;

/// <summary>
/// The web app in headless Debian chromium (browser/whiteboard.mjs on playwright-core), against the local functions
/// host, the Web PubSub and ACS emulators and Azurite, with the official client SDKs bundled for the page
/// (<see cref="WebBundle"/>). Chat goes to the ACS emulator's HTTPS origin (shared/protocols/acs-chat-rooms.md §2: the
/// chat SDK sends bearer tokens over https only), whose development certificate chromium trusts by its public key; the
/// emulator delivers its chat events to each test's stack as an Event Grid subscription would (§11), for the relay.
/// A failed scenario leaves screenshots in artifacts/screenshots.
/// </summary>
public sealed class WhiteboardBrowserTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>, IClassFixture<WebBundle>, IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";

    private readonly List<AcsEventSubscriptionOptions> _subscriptions = [];

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Ends this test's event subscriptions: the emulator outlives the stack they point at.</summary>
    public Task DisposeAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            emulators.AcsOptions.Events.Subscriptions.Remove(subscription);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task EmulatorRestart_ClientsReconnectThroughNegotiate_CatchUp_AndConverge()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (scripts/test.sh does, with apt-get).");
        await using var stack = await StartStackAsync();
        var ready = Path.Combine(Path.GetTempPath(), "collab-ready-" + Guid.NewGuid().ToString("N"));
        var go = ready + "-go";
        try
        {
            var browser = NodeScript.AssertPassesAsync("browser/whiteboard.mjs", Environment(stack, ("READY_FILE", ready), ("GO_FILE", go)), "emulatorRestart");
            while (!File.Exists(ready) && !browser.IsCompleted)
            {
                await Task.Delay(50);
            }

            Assert.True(File.Exists(ready), "The browser scenario ended before it was ready.");
            var boardId = await File.ReadAllTextAsync(ready);
            var restart = emulators.RestartWebPubSubAsync(TimeSpan.FromSeconds(3));
            await Task.Delay(500);
            var committed = await stack.Services.GetRequiredService<BoardCommitter>().CommitAsync(boardId, "server-side", LiveBoardsTests.AddRect("while-down", 7), CancellationToken.None);
            Assert.Equal(2, committed.Seq);
            await restart;
            await File.WriteAllTextAsync(go, "");
            await browser;
        }
        finally
        {
            File.Delete(ready);
            File.Delete(go);
        }
    }

    /// <summary>A board whose log holds a chat operation from before chat moved to its ACS thread still shows it.</summary>
    [Fact]
    public async Task OldLogChat_IsStillShown_BeforeTheThreadsMessages()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (scripts/test.sh does, with apt-get).");
        await using var stack = await StartStackAsync();
        var ready = Path.Combine(Path.GetTempPath(), "collab-ready-" + Guid.NewGuid().ToString("N"));
        var go = ready + "-go";
        try
        {
            var browser = NodeScript.AssertPassesAsync("browser/whiteboard.mjs", Environment(stack, ("READY_FILE", ready), ("GO_FILE", go)), "oldLogChatShown");
            while (!File.Exists(ready) && !browser.IsCompleted)
            {
                await Task.Delay(50);
            }

            Assert.True(File.Exists(ready), "The browser scenario ended before it was ready.");
            var boardId = await File.ReadAllTextAsync(ready);
            // Written as the app wrote chat before it moved: the committer still takes it; only the event handler refuses it.
            var legacy = new IncomingOperation("legacy-chat", new PostChat("from the board log"));
            await stack.Services.GetRequiredService<BoardCommitter>().CommitAsync(boardId, "someone-earlier", legacy, CancellationToken.None);
            await File.WriteAllTextAsync(go, "");
            await browser;
        }
        finally
        {
            File.Delete(ready);
            File.Delete(go);
        }
    }

    [Theory]
    [InlineData("drawPresenceChat")]
    [InlineData("undoRedoAndReload")]
    [InlineData("reconnectCatchesUp")]
    [InlineData("privateBoardRefused")]
    [InlineData("forgedServerMessagesIgnored")]
    [InlineData("myBoardsAndDelete")]
    [InlineData("chatThroughThreadAndRemoval")]
    [InlineData("agentDrawsLive")]
    public async Task Scenario(string scenario)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (scripts/test.sh does, with apt-get).");
        await using var stack = await StartStackAsync();

        await NodeScript.AssertPassesAsync("browser/whiteboard.mjs", Environment(stack), scenario);
    }

    /// <summary>
    /// A small operation budget (5 at once, then 1 a second), so the page's burst outruns it however slowly a loaded
    /// machine's Web PubSub emulator forwards the events (it sends one connection's events upstream one at a time).
    /// </summary>
    [Fact]
    public async Task TooManyChanges_TheRefusedOnesAreShownAsNotSaved()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (scripts/test.sh does, with apt-get).");
        await using var stack = await StartStackAsync(settings =>
        {
            settings["EventHandler:OperationBurst"] = "5";
            settings["EventHandler:OperationsPerSecond"] = "1";
        });

        await NodeScript.AssertPassesAsync("browser/whiteboard.mjs", Environment(stack), "tooManyChangesShown");
    }

    /// <summary>A stack whose webhook gets the ACS emulator's events, so the board's chat messages are relayed to its pages.</summary>
    private async Task<LocalStack> StartStackAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        var stack = await LocalStack.StartAsync(emulators, configure);
        var subscription = new AcsEventSubscriptionOptions
        {
            Name = "browser-" + Guid.NewGuid().ToString("N")[..8],
            Endpoint = $"{stack.BaseAddress}api/acs/events",
            Headers = { ["X-Collab-Events-Secret"] = CollabApp.EventsSecret },
        };
        _subscriptions.Add(subscription);
        emulators.AcsOptions.Events.Subscriptions.Add(subscription);
        return stack;
    }

    private Dictionary<string, string> Environment(LocalStack stack, params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["BASE_URL"] = stack.BaseAddress.AbsoluteUri,
            ["CHROMIUM"] = Chromium,
            ["SCREENSHOTS"] = Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots"),
            ["ACS_CERT_SPKI"] = emulators.AcsCertificateSpki,
            ["ACS_CONNECTION_STRING"] = emulators.AcsConnectionString,
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }
}
