using Collab.Emulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// Serves chosen function methods over real HTTP on a loopback port, so the Web PubSub emulator can call the event
/// handler the way the service calls a Function App. The functions come from a <see cref="CollabApp"/>.
/// </summary>
internal sealed class FunctionHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FunctionHttpServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The base URL, ending in <c>/</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>Starts a server answering <paramref name="path"/> for <paramref name="methods"/> with <paramref name="invoke"/>.</summary>
    public static async Task<FunctionHttpServer> StartAsync(string path, string[] methods, Func<HttpRequest, CancellationToken, Task<IActionResult>> invoke)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddMvcCore();
        var app = builder.Build();
        app.MapMethods(path, methods, async context =>
        {
            var result = await invoke(context.Request, context.RequestAborted);
            await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        });
        await app.StartAsync();
        var address = app.BaseAddress().AbsoluteUri;
        return new FunctionHttpServer(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
