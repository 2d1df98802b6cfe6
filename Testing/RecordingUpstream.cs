using Collab.Emulators;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Collab.Testing;

/// <summary>An event handler that records every request and answers with whatever the test decides.</summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingUpstream(WebApplication app) => _app = app;

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Decides the answer to each request; the default allows validation and answers 204.</summary>
    public Func<RecordedRequest, HttpContext, Task> Respond { get; set; } = DefaultAsync;

    /// <summary>The base URL, ending in <c>/</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    public static async Task<RecordingUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new RecordingUpstream(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var recorded = new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray());
            upstream.Requests.Enqueue(recorded);
            await upstream.Respond(recorded, context);
        });
        await app.StartAsync();
        upstream.BaseUrl = app.BaseAddress().AbsoluteUri;
        return upstream;
    }

    public static Task DefaultAsync(RecordedRequest request, HttpContext context)
    {
        if (request.Method == "OPTIONS")
        {
            context.Response.Headers["WebHook-Allowed-Origin"] = "*";
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the upstream received.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
