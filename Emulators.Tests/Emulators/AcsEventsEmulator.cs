using Collab.Emulators.AcsEvents;
using Collab.Emulators.AcsIdentity;
using Collab.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Collab.Emulators.Tests;

/// <summary>An ACS emulator of its own per test, with millisecond retries and its log captured.</summary>
internal sealed class AcsEventsEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AcsEventsEmulator(WebApplication app, AcsIdentityEmulatorOptions options, LogCapture logs)
    {
        _app = app;
        Options = options;
        Logs = logs;
    }

    public AcsIdentityEmulatorOptions Options { get; }

    public LogCapture Logs { get; }

    public AcsEventPublisher Publisher => _app.Services.GetRequiredService<AcsEventPublisher>();

    public static async Task<AcsEventsEmulator> StartAsync(params AcsEventSubscriptionOptions[] subscriptions)
    {
        var options = new AcsIdentityEmulatorOptions();
        options.Events.Subscriptions.AddRange(subscriptions);
        options.Events.RetryDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(150)];
        options.Events.DeliveryTimeout = TimeSpan.FromSeconds(5);
        var logs = new LogCapture();
        var app = AcsIdentityEmulatorApp.Create(options, "http://127.0.0.1:0", logging => logging.AddProvider(logs));
        await app.StartAsync();
        return new AcsEventsEmulator(app, options, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
