using Collab.Boards.Live;
using Collab.Boards.Log;
using Collab.Boards.Storage;
using Collab.Functions.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Configuration;

/// <summary><c>Boards:HandlerOnly</c>, the benchmark mode: in-memory log and no broadcast, and never on Azure.</summary>
public sealed class HandlerOnlyModeTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public void Off_ByDefault_TheLogIsBlobStorage_AndOpsAreBroadcast()
    {
        using var provider = CollabApp.BuildServices(CollabApp.Settings(emulators));

        Assert.IsType<BlobLogSegments>(provider.GetRequiredService<ILogSegments>());
        Assert.IsType<WebPubSubBoardBroadcaster>(provider.GetRequiredService<IBoardBroadcaster>());
        Assert.IsType<BoardStore>(provider.GetRequiredService<IBoardActivity>());
    }

    [Fact]
    public async Task On_OperationsStayInMemory_AndAreNotBroadcast()
    {
        var settings = CollabApp.Settings(emulators);
        settings["Boards:HandlerOnly"] = "true";
        await using var provider = CollabApp.BuildServices(settings);
        provider.GetRequiredService<IStartupValidator>().Validate();

        var committed = await provider.GetRequiredService<BoardCommitter>().CommitAsync("handler-only", "x", Boards.LiveBoardsTests.AddRect("s", 1), CancellationToken.None);

        Assert.Equal(1, committed.Seq);
        Assert.IsType<InMemoryLogSegments>(provider.GetRequiredService<ILogSegments>());
        Assert.IsType<SilentBoardBroadcaster>(provider.GetRequiredService<IBoardBroadcaster>());
        // Nor does the activity index reach storage: the handler alone is measured.
        var activity = Assert.IsType<InMemoryBoardActivity>(provider.GetRequiredService<IBoardActivity>());
        await Eventually.UntilAsync(() => activity.Markers.Any(m => m.BoardId == "handler-only"), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void On_IsRefusedAtStartUp_OnAzure()
    {
        var settings = CollabApp.Settings(emulators);
        settings["Boards:HandlerOnly"] = "true";
        settings["WEBSITE_INSTANCE_ID"] = "0123456789abcdef";
        using var provider = CollabApp.BuildServices(settings);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Boards:HandlerOnly is a benchmark mode", error.Message);
    }
}
