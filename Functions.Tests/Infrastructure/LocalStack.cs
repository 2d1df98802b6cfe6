using System.Net;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Emulators.WebPubSub;
using Collab.Functions.Boards;
using Collab.LocalHost.Hosting;
using Collab.LocalHost.SignIn;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The local Functions host on a free port, running the built <c>Collab.Functions.dll</c> as its worker process over
/// the host protocol and serving the web app, with a Web PubSub emulator hub of its own whose event handler is the
/// host's <c>/api/eventhandler</c>. <see cref="Services"/> is a second instance of the app in the test process over
/// the same storage and emulators, for arranging and inspecting what the worker did.
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private readonly LocalFunctionsHost _host;
    private readonly ServiceProvider _services;

    private readonly LogCapture _logs;
    private readonly string _name;

    private LocalStack(LocalFunctionsHost host, ServiceProvider services, IReadOnlyDictionary<string, string?> settings, LogCapture logs, string name)
    {
        _host = host;
        _services = services;
        _logs = logs;
        _name = name;
        Settings = settings;
    }

    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The app's services in the test process: another instance over the worker's storage.</summary>
    public IServiceProvider Services => _services;

    /// <summary>The settings the worker runs with.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The host, for tests of the host itself.</summary>
    public LocalFunctionsHost Host => _host;

    /// <summary>
    /// Starts a stack; the host's and the worker's log entries go to <paramref name="logs"/> and, when it stops, to
    /// <c>artifacts/logs/</c>. With <paramref name="captureLevel"/>, <paramref name="logs"/> takes entries from that level
    /// up whatever the test process's appsettings.json says (its <c>Logging</c> rules would stop the worker's Debug and
    /// Trace entries at the host); the worker still sends only what its own <c>Logging</c> settings let through.
    /// </summary>
    public static async Task<LocalStack> StartAsync(EmulatorHost emulators, Action<Dictionary<string, string?>>? configure = null, LogCapture? logs = null, LogLevel? captureLevel = null)
    {
        logs ??= new LogCapture();
        var hub = "local_" + Guid.NewGuid().ToString("N")[..8];
        var settings = CollabApp.Settings(emulators);
        settings["WebPubSub:Hub"] = hub;
        configure?.Invoke(settings);
        var host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = RepositoryRoot.FunctionAppDirectory, WebRoot = Path.Combine(RepositoryRoot.Path, "web") },
            settings,
            logging =>
            {
                logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
                if (captureLevel is { } level)
                {
                    logging.AddFilter<LogCapture>(null, level);
                }
            });
        emulators.WebPubSubOptions.Hubs[hub] = new HubSettings
        {
            EventHandlers = [new EventHandlerSettings { UrlTemplate = host.BaseAddress + "api/eventhandler", UserEventPattern = "*", SystemEvents = ["connect", "connected", "disconnected"] }],
        };
        var stack = new LocalStack(host, CollabApp.BuildServices(settings), settings, logs, hub);
        await stack.WarmAsync(emulators.WebPubSubOptions.AccessKey);
        return stack;
    }

    /// <summary>
    /// Commits one operation through the worker, as a warm instance on Azure would have: each stack starts a fresh
    /// worker process whose first operation pays for JIT of the whole commit path, which tests that time a stroke
    /// (the browser's one-second delivery) must not measure.
    /// </summary>
    private async Task WarmAsync(string accessKey)
    {
        var boardId = "warmup" + Guid.NewGuid().ToString("N")[..12];
        await _services.GetRequiredService<BoardStore>().CreateOrUpdateAsync(
            new BoardMetadata(boardId, "warm-up", BoardVisibility.Public, "warmup", [], DateTimeOffset.UtcNow), "warmup", CancellationToken.None);
        using var http = new HttpClient();
        using var response = await http.SendAsync(UpstreamEvents.UserMessage(
            new Uri(BaseAddress, "api/eventhandler"), accessKey, Settings["WebPubSub:Hub"]!, "addShape", "warmup-connection", "warmup", boardId,
            """{"opId":"warmup","shape":{"id":"w","kind":"rect","color":"#112233","width":1,"x":1,"y":1,"w":2,"h":2}}"""));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Settings that make the worker export its traces and metrics to <paramref name="receiver"/> over OTLP/gRPC
    /// (<c>Functions/Telemetry</c>), with spans sent within 200 ms and metrics every 500 ms, so a test waits briefly;
    /// for <see cref="StartAsync"/>'s <c>configure</c>.
    /// </summary>
    public static void ExportTelemetryTo(Dictionary<string, string?> settings, OtlpReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.AbsoluteUri;
        settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
        settings["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        settings["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
    }

    /// <summary>The id the dev sign-in gives the user named <paramref name="name"/>.</summary>
    public static string UserIdOf(string name) => DevPrincipal.ForName(name).UserId;

    /// <summary>A client of the host, signed in through the dev sign-in as <paramref name="name"/> (the cookie Easy Auth's stand-in reads).</summary>
    public async Task<HttpClient> SignInAsync(string name)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        using var signIn = await http.PostAsync("/.auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = name }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return http;
    }

    /// <summary>A client of the host with no sign-in.</summary>
    public HttpClient Anonymous() => new() { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _services.DisposeAsync();
        var folder = Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "artifacts", "logs"));
        await File.WriteAllLinesAsync(Path.Combine(folder.FullName, _name + ".log"), _logs.Entries);
    }
}
