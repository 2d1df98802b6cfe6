using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsIdentity;

/// <summary>Builds the ACS identity emulator, standalone or hosted in-process by tests.</summary>
public static class AcsIdentityEmulatorApp
{
    /// <summary>Creates the application listening on <paramref name="url"/> (port 0 picks a free port).</summary>
    public static WebApplication Create(AcsIdentityEmulatorOptions options, string url, Action<ILoggingBuilder>? logging = null)
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

        var builder = EmulatorWebApplication.CreateBuilder(options, url, logging);
        builder.Services.AddSingleton<IdentityStore>();
        builder.Services.AddSingleton<AcsRequestAuthenticator>();
        builder.Services.AddSingleton<AcsIdentityEndpoint>();

        var app = builder.Build();
        app.Run(context => context.RequestServices.GetRequiredService<AcsIdentityEndpoint>().HandleAsync(context));
        return app;
    }
}
