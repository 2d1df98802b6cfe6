using System.Net;
using Collab.LocalHost.Bindings;
using Collab.LocalHost.Metadata;
using Collab.LocalHost.SignIn;
using Collab.LocalHost.Worker;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.FileProviders;
using Yarp.ReverseProxy.Forwarder;

namespace Collab.LocalHost.Hosting;

/// <summary>
/// The local Functions host: a gRPC server on loopback (h2c) that the real worker connects to, the worker itself
/// (<see cref="WorkerSupervisor"/>), and the front door that owns routing as the host does: the functions the worker
/// declares on <c>/{routePrefix}/{route}</c> with their methods (405 otherwise), <c>POST /admin/functions/{name}</c>,
/// timers, the dev sign-in in front of everything (where Easy Auth sits on Azure) and the static web app, all for the
/// allowed host names only.
/// </summary>
public sealed class LocalFunctionsHost : IAsyncDisposable
{
    private readonly WebApplication _rpc;
    private readonly WorkerSupervisor _worker;
    private readonly WebApplication _front;

    private LocalFunctionsHost(WebApplication rpc, WorkerSupervisor worker, WebApplication front)
    {
        _rpc = rpc;
        _worker = worker;
        _front = front;
    }

    /// <summary>Where the host listens, ending in <c>/</c>.</summary>
    public Uri BaseAddress => Address(_front);

    /// <summary>The supervised worker.</summary>
    public WorkerSupervisor Worker => _worker;

    /// <summary>Starts the gRPC server, the worker and the front door; anything that cannot be served fails here.</summary>
    /// <param name="options">Where to listen and what to serve.</param>
    /// <param name="settings">The app settings (<c>Values</c> of local.settings.json), passed to the worker as environment variables.</param>
    /// <param name="logging">Logging setup; none by default.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="WorkerStartException">The worker did not start, or declares what the host cannot serve.</exception>
    /// <exception cref="InvalidOperationException">A setting or <c>host.json</c> is invalid.</exception>
    public static async Task<LocalFunctionsHost> StartAsync(LocalHostOptions options, IReadOnlyDictionary<string, string?> settings, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        var directory = Path.GetFullPath(options.FunctionAppDirectory);
        var hostJson = HostJson.Read(directory);
        var rpc = BuildRpcServer(logging);
        await rpc.StartAsync(cancellationToken);
        var worker = new WorkerSupervisor(
            new WorkerOptions { FunctionAppDirectory = directory, Settings = settings },
            () => Address(rpc),
            rpc.Services.GetRequiredService<WorkerChannels>(),
            rpc.Services.GetRequiredService<ILoggerFactory>());
        WebApplication? front = null;
        try
        {
            await worker.StartAsync(cancellationToken);
            front = BuildFrontDoor(options, settings, hostJson, worker, logging);
            await front.StartAsync(cancellationToken);
            return new LocalFunctionsHost(rpc, worker, front);
        }
        catch
        {
            if (front is not null)
            {
                await front.DisposeAsync();
            }

            await worker.DisposeAsync();
            await rpc.StopAsync(CancellationToken.None);
            await rpc.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the host is asked to stop (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _front.WaitForShutdownAsync();

    /// <summary>Stops the front door and timers, then the worker (<c>WorkerTerminate</c>), then the gRPC server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _front.StopAsync(CancellationToken.None);
        await _front.DisposeAsync();
        await _worker.DisposeAsync();
        await _rpc.StopAsync(CancellationToken.None);
        await _rpc.DisposeAsync();
    }

    private static WebApplication BuildRpcServer(Action<ILoggingBuilder>? logging)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        // h2c on loopback only: the worker is the only client, and it speaks HTTP/2 without TLS.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = WorkerOptions.MaxMessageLength;
            grpc.MaxSendMessageSize = WorkerOptions.MaxMessageLength;
        });
        builder.Services.AddSingleton<WorkerChannels>();
        var app = builder.Build();
        app.MapGrpcService<WorkerRpcService>();
        return app;
    }

    private static WebApplication BuildFrontDoor(LocalHostOptions options, IReadOnlyDictionary<string, string?> settings, HostJson hostJson, WorkerSupervisor worker, Action<ILoggingBuilder>? logging)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Url);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddEnvironmentVariables();
        builder.Services.AddHostFiltering(filtering =>
        {
            filtering.AllowedHosts = [.. options.AllowedHosts];
            filtering.AllowEmptyHosts = false;
        });
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(worker);
        builder.Services.AddSingleton(hostJson);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BlobOutputWriter>();
        builder.Services.AddSingleton<HttpFunctionInvoker>();
        builder.Services.AddSingleton(new HttpMessageInvoker(new WorkerConnectRetryHandler(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })));
        builder.Services.AddSingleton<TimerTriggerService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TimerTriggerService>());
        var app = builder.Build();

        // Schedules are checked before anything listens, as the host refuses a function it cannot schedule.
        foreach (var timer in worker.Functions.Values.Where(f => f.Trigger.Type == "timerTrigger"))
        {
            try
            {
                TimerTriggerService.Parse(timer.Trigger.Schedule!, app.Configuration);
            }
            catch (Exception ex) when (ex is InvalidOperationException or NCrontab.CrontabException)
            {
                throw new InvalidOperationException($"Function '{timer.Name}': invalid schedule {timer.Trigger.Schedule}: {ex.Message}");
            }
        }

        // Before anything else answers: a request that names another host (DNS rebinding) reaches nothing.
        app.UseHostFiltering();
        DevSignIn.Map(app);
        if (Directory.Exists(options.WebRoot))
        {
            var files = new PhysicalFileProvider(Path.GetFullPath(options.WebRoot));
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files, OnPrepareResponse = file => WebAppHeaders.Apply(file.Context.Response) });
        }

        var invoker = app.Services.GetRequiredService<HttpFunctionInvoker>();
        foreach (var function in worker.Functions.Values.Where(f => f.Trigger.Type == "httpTrigger"))
        {
            var name = function.Name;
            var pattern = "/" + string.Join('/', new[] { hostJson.RoutePrefix, function.Trigger.Route ?? name }.Where(s => s.Length > 0));
            var endpoint = function.Trigger.Methods is { Count: > 0 } methods
                ? app.MapMethods(pattern, methods.Select(m => m.ToUpperInvariant()), context => invoker.InvokeAsync(context, name))
                : app.Map(pattern, context => invoker.InvokeAsync(context, name));
            endpoint.WithDisplayName(name);
        }

        app.MapPost("/admin/functions/{name}", (string name, AdminInvocation? body, TimerTriggerService runner) =>
        {
            if (body is null)
            {
                return Results.BadRequest();
            }

            if (!worker.Functions.TryGetValue(name, out var function))
            {
                return Results.NotFound();
            }

            if (function.Trigger.Type == "httpTrigger")
            {
                return Results.BadRequest("HTTP-triggered functions are called on their route, not through /admin/functions.");
            }

            runner.RunOnDemand(function);
            return Results.Accepted();
        });
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

    /// <summary>The body of <c>POST /admin/functions/{name}</c>, as Core Tools takes it; a timer ignores <see cref="Input"/>.</summary>
    /// <param name="Input">The trigger's input.</param>
    public sealed record AdminInvocation(string? Input);
}
