using Collab.Emulators;
using Collab.Emulators.WebPubSub;
using Collab.LocalHost.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The local functions host, in-process on a free port, serving the built <c>functions.metadata</c> and the web app,
/// with a Web PubSub emulator hub of its own whose event handler is the host's <c>/api/eventhandler</c>.
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalStack(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LocalStack> StartAsync(EmulatorHost emulators, Action<Dictionary<string, string?>>? configure = null)
    {
        var hub = "local_" + Guid.NewGuid().ToString("N")[..8];
        var settings = CollabApp.Settings(emulators);
        settings["WebPubSub:Hub"] = hub;
        configure?.Invoke(settings);
        var app = LocalFunctionsHost.Create(
            new LocalHostOptions { Url = "http://127.0.0.1:0", MetadataPath = RepositoryRoot.FunctionsMetadata, WebRoot = Path.Combine(RepositoryRoot.Path, "web") },
            settings);
        await app.StartAsync();
        var address = app.BaseAddress();
        emulators.WebPubSubOptions.Hubs[hub] = new HubSettings
        {
            EventHandlers = [new EventHandlerSettings { UrlTemplate = address + "api/eventhandler", UserEventPattern = "*", SystemEvents = ["connect", "connected", "disconnected"] }],
        };
        return new LocalStack(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
