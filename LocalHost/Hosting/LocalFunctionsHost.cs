using Collab.Functions.Configuration;
using Collab.LocalHost.Metadata;
using Collab.LocalHost.SignIn;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Collab.LocalHost.Hosting;

/// <summary>
/// A local stand-in for the Functions host: the functions <c>functions.metadata</c> declares, on the same routes
/// (<c>/api/...</c>) and methods, registered with the same <c>AddCollab</c> as <c>Program.cs</c>, with blob outputs
/// written and timers fired, plus the dev sign-in and the static web app.
/// </summary>
public static class LocalFunctionsHost
{
    /// <summary>Builds the host; everything it cannot serve, and every invalid setting, fails here.</summary>
    /// <param name="options">Where to listen and what to serve.</param>
    /// <param name="settings">The app settings.</param>
    /// <param name="logging">Logging setup; none by default.</param>
    /// <param name="services">Registrations applied after <c>AddCollab</c>, for benchmarks that swap a dependency.</param>
    public static WebApplication Create(LocalHostOptions options, IReadOnlyDictionary<string, string?> settings, Action<ILoggingBuilder>? logging = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var functions = FunctionsMetadataReader.Read(options.MetadataPath);
        var assembly = typeof(CollabServiceCollectionExtensions).Assembly;
        var invokers = functions.Select(f => new FunctionInvoker(f, assembly)).ToList();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Url);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddEnvironmentVariables();
        builder.Services.AddMvcCore();
        builder.Services.AddCollab(builder.Configuration);
        services?.Invoke(builder.Services);
        foreach (var invoker in invokers)
        {
            builder.Services.AddSingleton(invoker);
        }

        builder.Services.AddHostedService<TimerTriggerService>();
        var app = builder.Build();
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        foreach (var timer in invokers.Where(i => i.Function.Trigger.Type == "timerTrigger"))
        {
            TimerTriggerService.Parse(timer.Function.Trigger.Schedule!, app.Configuration);
        }

        DevSignIn.Map(app);
        if (Directory.Exists(options.WebRoot))
        {
            var files = new PhysicalFileProvider(Path.GetFullPath(options.WebRoot));
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        }

        foreach (var invoker in invokers.Where(i => i.Function.Trigger.Type == "httpTrigger"))
        {
            var trigger = invoker.Function.Trigger;
            app.MapMethods("/api/" + trigger.Route, trigger.Methods!.Select(m => m.ToUpperInvariant()), invoker.InvokeHttpAsync)
                .WithDisplayName(invoker.Function.Name);
        }

        return app;
    }
}
