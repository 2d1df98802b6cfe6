using Azure.Storage.Blobs;
using Collab.Functions.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Configuration;

/// <summary>The one registration entry point, shared by <c>Program.cs</c>, the local host and the tests.</summary>
public static class CollabServiceCollectionExtensions
{
    /// <summary>Binds and validates (at start-up) every options class and registers the app's services.</summary>
    public static IServiceCollection AddCollab(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<WebPubSubOptions>().Bind(configuration.GetSection(WebPubSubOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AcsOptions>().Bind(configuration.GetSection(AcsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>()
            .Configure(o => o.ConnectionString = configuration[StorageOptions.ConnectionSetting] ?? "")
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new BlobServiceClient(sp.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString));

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
        return services;
    }
}
