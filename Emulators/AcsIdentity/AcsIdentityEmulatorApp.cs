using Collab.Emulators.AcsChat;
using Collab.Emulators.AcsEvents;
using Collab.Emulators.AcsFaults;
using Collab.Emulators.AcsRooms;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsIdentity;

/// <summary>
/// Builds the ACS emulator, standalone or hosted in-process by tests: one origin serving identity, chat (<c>/chat</c>)
/// and rooms (<c>/rooms</c>), as one ACS resource does, over plain http and, when asked, over HTTPS with the same routes.
/// </summary>
public static class AcsIdentityEmulatorApp
{
    /// <summary>
    /// Creates the application listening on <paramref name="url"/> (port 0 picks a free port) and, when
    /// <paramref name="httpsUrl"/> is given, also on that HTTPS URL with the development certificate of
    /// <see cref="AcsHttpsOptions.CertificateDirectory"/> (created there when missing).
    /// </summary>
    public static WebApplication Create(AcsIdentityEmulatorOptions options, string url, Action<ILoggingBuilder>? logging = null, string? httpsUrl = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            Convert.FromBase64String(options.AccessKey);
        }
        catch (FormatException)
        {
            throw new OptionsValidationException(nameof(AcsIdentityEmulatorOptions), typeof(AcsIdentityEmulatorOptions), ["The ACS access key must be base64."]);
        }

        var certificate = httpsUrl is null ? null : DevelopmentCertificate.LoadOrCreate(options.Https.CertificateDirectory, TimeProvider.System);
        var builder = EmulatorWebApplication.CreateBuilder(options, httpsUrl is null ? [url] : [url, httpsUrl], certificate, logging);
        builder.Services.AddSingleton<IdentityStore>();
        builder.Services.AddSingleton<AcsRequestAuthenticator>();
        builder.Services.AddSingleton<AcsUserTokenValidator>();
        builder.Services.AddSingleton<AcsIdentityEndpoint>();
        builder.Services.AddSingleton<ChatStore>();
        builder.Services.AddSingleton<AcsChatEndpoint>();
        builder.Services.AddSingleton<RoomStore>();
        builder.Services.AddSingleton<AcsRoomsEndpoint>();
        builder.Services.AddSingleton(_ => new AcsWebhookClient(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan }));
        builder.Services.AddSingleton<AcsEventPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AcsEventPublisher>());
        builder.Services.AddSingleton<AcsFaultInjector>();

        var app = builder.Build();
        if (certificate is not null)
        {
            app.Lifetime.ApplicationStopped.Register(certificate.Dispose);
        }

        app.Run(async context =>
        {
            var services = context.RequestServices;
            if (await services.GetRequiredService<AcsFaultInjector>().TryFailAsync(context))
            {
                return;
            }

            await (context.Request.Path.StartsWithSegments("/chat") ? services.GetRequiredService<AcsChatEndpoint>().HandleAsync(context)
                : context.Request.Path.StartsWithSegments("/rooms") ? services.GetRequiredService<AcsRoomsEndpoint>().HandleAsync(context)
                : services.GetRequiredService<AcsIdentityEndpoint>().HandleAsync(context));
        });
        return app;
    }
}
