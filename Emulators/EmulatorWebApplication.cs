namespace Collab.Emulators;

/// <summary>The hosting both emulators share: a slim web app on one URL, quiet unless given a logging setup.</summary>
internal static class EmulatorWebApplication
{
    /// <summary>A builder listening on <paramref name="url"/> with <paramref name="options"/> and the system clock registered.</summary>
    public static WebApplicationBuilder CreateBuilder<TOptions>(TOptions options, string url, Action<ILoggingBuilder>? logging)
        where TOptions : class
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
