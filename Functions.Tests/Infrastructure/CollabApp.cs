using Collab.Functions.Configuration;
using Collab.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The Function App's services exactly as <c>AddCollab</c> registers them, over Azurite and the in-process
/// emulators, with start-up validation run and every log entry captured.
/// </summary>
internal sealed class CollabApp : IAsyncDisposable
{
    public const string FluidTenantId = "collab-tests";
    public const string FluidTenantKey = "fluid-tenant-key-for-tests-only";
    public const string AllowedOrigin = "http://localhost:5173";

    /// <summary>The secret Event Grid deliveries to <c>/api/acs/events</c> carry.</summary>
    public const string EventsSecret = "acs-events-secret-for-tests-0123456789";

    /// <summary>The secret before the last rotation, still accepted.</summary>
    public const string PreviousEventsSecret = "acs-events-previous-secret-for-tests-0123";

    /// <summary>How long after a commit its one-second activity bucket (see <see cref="Settings"/>) has closed and its marker is written, so the snapshot timer visits the board.</summary>
    public static readonly TimeSpan ActivityBucketClosed = TimeSpan.FromSeconds(1.5);

    private CollabApp(ServiceProvider provider, LogCapture logs)
    {
        Services = provider;
        Logs = logs;
    }

    public ServiceProvider Services { get; }

    public LogCapture Logs { get; }

    /// <summary>Settings that work against the emulators; each app gets its own identities container.</summary>
    public static Dictionary<string, string?> Settings(EmulatorHost emulators) => new()
    {
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        ["Storage:IdentitiesContainer"] = "identities-" + Guid.NewGuid().ToString("N")[..12],
        ["WebPubSub:ConnectionString"] = emulators.WebPubSubConnectionString,
        ["WebPubSub:Hub"] = "collab",
        ["Acs:ConnectionString"] = emulators.AcsConnectionString,
        ["Acs:RetryDelays:0"] = "00:00:00.05",
        ["Acs:RetryDelays:1"] = "00:00:00.1",
        ["Acs:EventsSecret"] = EventsSecret,
        ["Acs:EventsPreviousSecret"] = PreviousEventsSecret,
        ["Acs:ClientEndpoint"] = emulators.AcsHttpsEndpoint.ToString(),
        ["FluidRelay:TenantId"] = FluidTenantId,
        ["FluidRelay:TenantKey"] = FluidTenantKey,
        ["FluidRelay:Endpoint"] = "http://localhost:7070",
        ["FluidRelay:AllowLocalTenant"] = "true",
        ["Cors:AllowedOrigins:0"] = AllowedOrigin,
        ["RateLimit:PermitsPerMinute"] = "1000",
        ["Boards:SnapshotSchedule"] = "0 */5 * * * *",

        // One-second activity buckets and no grace, so the snapshot timer sees a commit a second after it.
        ["Boards:ActivityBucket"] = "00:00:01",
        ["Boards:ActivityGrace"] = "00:00:00",
    };

    public static ServiceProvider BuildServices(Dictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Trace);
                if (logs is not null)
                {
                    logging.AddProvider(logs);
                }
            })
            .AddCollab(configuration)
            .BuildServiceProvider();
    }

    public static CollabApp Start(Dictionary<string, string?> settings)
    {
        var logs = new LogCapture();
        var provider = BuildServices(settings, logs);
        provider.GetRequiredService<IStartupValidator>().Validate();
        return new CollabApp(provider, logs);
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}
