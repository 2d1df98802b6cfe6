using Collab.Functions.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The Function App's services exactly as <c>AddCollab</c> registers them, over Azurite and the in-process
/// emulators, with start-up validation run and every log entry captured. Functions are created from it and called
/// directly, as the host would call them.
/// </summary>
internal sealed class CollabApp : IAsyncDisposable
{
    public const string FluidTenantId = "collab-tests";
    public const string FluidTenantKey = "fluid-tenant-key-for-tests-only";
    public const string AllowedOrigin = "http://localhost:5173";

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
        ["FluidRelay:TenantId"] = FluidTenantId,
        ["FluidRelay:TenantKey"] = FluidTenantKey,
        ["FluidRelay:Endpoint"] = "http://localhost:7070",
        ["FluidRelay:AllowLocalTenant"] = "true",
        ["Cors:AllowedOrigins:0"] = AllowedOrigin,
        ["RateLimit:PermitsPerMinute"] = "1000",
        ["Boards:SnapshotSchedule"] = "0 */5 * * * *",
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

    public T Function<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>A request as the host would pass it; signed in as <paramref name="userId"/> unless null.</summary>
    public HttpRequest Request(string method, string? userId, string? json = null, string query = "", string? name = null)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        var request = context.Request;
        request.Method = method;
        request.Scheme = "https";
        request.Host = new HostString("collab.example");
        request.QueryString = new QueryString(query);
        if (userId is not null)
        {
            EasyAuth.SignIn(request, userId, name ?? "User " + userId);
        }

        if (json is not null)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(json);
            request.Body = new MemoryStream(bytes);
            request.ContentLength = bytes.Length;
            request.ContentType = "application/json";
        }

        context.Response.Body = new MemoryStream();
        return request;
    }

    /// <summary>Writes a result to the wire as the host would and returns what the client sees.</summary>
    public static async Task<(int Status, IHeaderDictionary Headers, string Body)> ExecuteAsync(IActionResult result, HttpRequest request)
    {
        var context = request.HttpContext;
        var services = new ServiceCollection().AddLogging().AddMvcCore().Services.BuildServiceProvider();
        context.RequestServices = services;
        await result.ExecuteResultAsync(new ActionContext(context, new Microsoft.AspNetCore.Routing.RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, context.Response.Headers, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}
