using Microsoft.Extensions.Options;

namespace Collab.Emulators.WebPubSub;

/// <summary>Builds the Web PubSub emulator as a web application, standalone or hosted in-process by tests.</summary>
public static class WebPubSubEmulatorApp
{
    /// <summary>Creates the application listening on <paramref name="url"/> (port 0 picks a free port).</summary>
    public static WebApplication Create(WebPubSubEmulatorOptions options, string url, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (System.Text.Encoding.UTF8.GetByteCount(options.AccessKey) < 32)
        {
            throw new OptionsValidationException(nameof(WebPubSubEmulatorOptions), typeof(WebPubSubEmulatorOptions), ["The access key must be at least 32 bytes, as HS256 requires."]);
        }

        var builder = EmulatorWebApplication.CreateBuilder(options, url, logging);
        // One shared instance, so validation results are cached once for the whole emulator.
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<UpstreamClient>(
            sp,
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromSeconds(100) }));
        builder.Services.AddSingleton<WebPubSubBroker>();
        builder.Services.AddSingleton<ClientTokenValidator>();
        builder.Services.AddSingleton<RestTokenValidator>();
        builder.Services.AddSingleton<ClientEndpoint>();

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map("/client/hubs/{hub}", (HttpContext context, string hub, ClientEndpoint endpoint) => endpoint.HandleAsync(context, hub));
        app.Map("/client", (HttpContext context, ClientEndpoint endpoint) => endpoint.HandleAsync(context, null));
        app.MapWebPubSubRest();
        // Open WebSockets would otherwise hold a graceful shutdown until its timeout; a stopping service drops them.
        app.Lifetime.ApplicationStopping.Register(() =>
            app.Services.GetRequiredService<WebPubSubBroker>().EndAllAsync("The service is stopping.").Wait(TimeSpan.FromSeconds(5)));
        return app;
    }
}
