using Collab.Boards;
using Collab.Boards.Live;
using Collab.Boards.Log;
using Collab.Boards.Storage;
using Collab.Boards.Telemetry;
using Collab.Functions.Acs;
using Collab.Functions.Boards;
using Collab.Functions.Communication;
using Collab.Functions.Health;
using Collab.Functions.Hub;
using Collab.Functions.Pipeline;
using Collab.Functions.Storage;
using Collab.Functions.Tokens;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions;

/// <summary>The one registration entry point, shared by <c>Program.cs</c>, the local host and the tests.</summary>
public static class CollabServiceCollectionExtensions
{
    /// <summary>Set by App Service on every instance of an app running on Azure; the worker sees it through its configuration.</summary>
    private const string AzureInstanceVariable = "WEBSITE_INSTANCE_ID";

    /// <summary>Binds and validates (at start-up) every options class and registers the app's services.</summary>
    public static IServiceCollection AddCollab(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        AddValidated<WebPubSubOptions>(services, configuration, WebPubSubOptions.SectionName);
        AddValidated<AcsOptions>(services, configuration, AcsOptions.SectionName);
        AddValidated<FluidRelayOptions>(services, configuration, FluidRelayOptions.SectionName);
        AddValidated<CorsOptions>(services, configuration, CorsOptions.SectionName)
            .PostConfigure(o => o.AllowedOrigins = CorsOptions.ReadOrigins(configuration.GetSection(CorsOptions.SectionName), o.AllowedOrigins));
        AddValidated<RateLimitOptions>(services, configuration, RateLimitOptions.SectionName);
        AddValidated<EventHandlerOptions>(services, configuration, EventHandlerOptions.SectionName);
        AddValidated<BoardsOptions>(services, configuration, BoardsOptions.SectionName)
            .Validate<IOptions<WebPubSubOptions>>(
                (boards, webPubSub) => WebPubSubWindowOf(webPubSub) is not { } window || boards.DeduplicationAge >= window,
                "Boards:DeduplicationAge must be at least WebPubSub:EventTimeWindow, so every retry the event handler accepts is recognised.");
        AddValidated<BoardsAppOptions>(services, configuration, BoardsOptions.SectionName)
            .Validate(
                o => !o.HandlerOnly || string.IsNullOrEmpty(configuration[AzureInstanceVariable]),
                $"Boards:HandlerOnly is a benchmark mode (operations kept in memory, neither persisted nor broadcast) and is refused on Azure ({AzureInstanceVariable} is set): remove the setting.");
        services.AddOptions<StorageOptions>()
            .Configure(o => StorageOptions.Bind(o, configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<CollabTelemetry>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.CreateClient());

        services.AddSingleton<UserRateLimiter>();
        services.AddSingleton<FunctionPolicies>();
        services.AddHttpClient<AcsRestPipeline>(http => http.Timeout = TimeSpan.FromSeconds(15));
        services.AddTransient<AcsIdentityClient>();
        services.AddTransient<AcsChatClient>();
        services.AddTransient<AcsRoomsClient>();
        services.AddSingleton<AcsIdentityMappingStore>();
        services.AddSingleton<AcsServiceIdentity>();
        services.AddTransient<AcsTokenService>();
        services.AddSingleton<WebPubSubTokenIssuer>();
        services.AddSingleton<FluidTokenIssuer>();

        services.AddHttpClient<WebPubSubRestClient>(http => http.Timeout = TimeSpan.FromSeconds(10));
        if (configuration.GetValue<bool>($"{BoardsOptions.SectionName}:{nameof(BoardsAppOptions.HandlerOnly)}"))
        {
            services.AddSingleton<ILogSegments, InMemoryLogSegments>();
            services.AddSingleton<IBoardBroadcaster, SilentBoardBroadcaster>();
            services.AddSingleton<IBoardActivity, InMemoryBoardActivity>();
            // Snapshots name positions in the in-memory log, so they must not reach the storage a persisted instance reads.
            services.AddSingleton<IBoardSnapshots, InMemoryBoardSnapshots>();
        }
        else
        {
            services.AddSingleton<ILogSegments, BlobLogSegments>();
            services.AddSingleton<IBoardBroadcaster, WebPubSubBoardBroadcaster>();
            services.AddSingleton<IBoardActivity>(sp => sp.GetRequiredService<BoardStore>());
            services.AddSingleton<IBoardSnapshots>(sp => sp.GetRequiredService<BoardStore>());
        }

        services.AddSingleton<BoardLog>();
        services.AddSingleton<BoardStore>();
        services.AddSingleton<LiveBoards>();
        services.AddSingleton<BoardCommitter>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<OperationRateLimiter>();
        services.AddSingleton<RecentAdmissions>();
        services.AddSingleton<BoardHub>();
        services.AddSingleton<BoardMetadataCache>();
        services.AddSingleton<BoardConnections>();
        services.AddSingleton<WebPubSubProtocol>();
        services.AddSingleton<BoardService>();
        services.AddTransient<BoardLifecycle>();
        services.AddSingleton<BoardSnapshotter>();
        services.AddSingleton<ChatThreadBoards>();
        services.AddTransient<ChatEventRelay>();
        services.AddTransient<CommunicationSync>();
        services.AddTransient<BoardCommunication>();
        services.AddTransient<AcsEventsWebhook>();

        AddHealth(services);
        return services;
    }

    // Invalid Web PubSub options report their own failure at start-up; this cross-check must not report it twice.
    private static TimeSpan? WebPubSubWindowOf(IOptions<WebPubSubOptions> webPubSub)
    {
        try
        {
            return webPubSub.Value.EventTimeWindow;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    private static OptionsBuilder<TOptions> AddValidated<TOptions>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();

    private static void AddHealth(IServiceCollection services)
    {
        services.AddHttpClient(nameof(HttpEndpointProbe), http => http.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<IDependencyProbe, BlobStorageProbe>();
        services.AddSingleton<IDependencyProbe>(sp => new HttpEndpointProbe(
            "webPubSub",
            HttpMethod.Head,
            new Uri(sp.GetRequiredService<IOptions<WebPubSubOptions>>().Value.ParseConnection().Endpoint, "api/health"),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(HttpEndpointProbe))));
        services.AddSingleton<IDependencyProbe>(sp => new HttpEndpointProbe(
            "acs",
            HttpMethod.Get,
            sp.GetRequiredService<IOptions<AcsOptions>>().Value.ParseConnection().Endpoint,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(HttpEndpointProbe))));
        services.AddSingleton<HealthReporter>();
    }
}
