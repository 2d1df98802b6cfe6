using System.Security.Cryptography.X509Certificates;

namespace Collab.Emulators;

/// <summary>The hosting both emulators share: a slim web app on its URLs, quiet unless given a logging setup.</summary>
internal static class EmulatorWebApplication
{
    /// <summary>A builder listening on <paramref name="url"/> with <paramref name="options"/> and the system clock registered.</summary>
    public static WebApplicationBuilder CreateBuilder<TOptions>(TOptions options, string url, Action<ILoggingBuilder>? logging)
        where TOptions : class =>
        CreateBuilder(options, [url], null, logging);

    /// <summary>
    /// A builder listening on every one of <paramref name="urls"/>; <c>https://</c> ones serve <paramref name="certificate"/>.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder<TOptions>(TOptions options, IReadOnlyList<string> urls, X509Certificate2? certificate, Action<ILoggingBuilder>? logging)
        where TOptions : class
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls([.. urls]);
        if (certificate is not null)
        {
            // The slim builder leaves out HTTPS endpoints unless asked for them.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }

        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
