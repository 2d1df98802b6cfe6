using System.Text.Json;
using Collab.Functions.Http;
using Collab.Functions.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Collab.Functions.Mcp;

/// <summary>
/// Hands a <c>/api/mcp</c> request to the MCP SDK's Streamable HTTP handler, in stateless mode: the handler
/// <c>MapMcp</c> maps for <c>POST</c>, taken once from a route builder of our own (the SDK's handler type is internal;
/// the worker's ASP.NET Core integration gives the function the <see cref="HttpContext"/>, not the app's routing).
/// Around it, this class carries the agent's <c>clientInfo</c> across requests in the session id
/// (<see cref="McpSessionIds"/>) and gives the SDK the signed-in user as the request's principal.
/// </summary>
public sealed class McpEndpoint(IServiceProvider services, McpSessionIds sessions, ILogger<McpEndpoint> logger)
{
    /// <summary>The largest request body: a full write batch of operations of up to 64 KB each, with room for JSON-RPC.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>The session id header of the Streamable HTTP transport.</summary>
    public const string SessionIdHeader = "Mcp-Session-Id";

    private const string ClientKey = "Collab.McpClient";

    private readonly Lazy<RequestDelegate> _post = new(() => PostHandlerOf(services));

    /// <summary>
    /// Set as the transport's <c>ConfigureSessionOptions</c>, which stateless mode calls for every request: a client
    /// that initialized earlier (with any instance) is known by the <c>clientInfo</c> its session id carries.
    /// </summary>
    public static Task ConfigureSessionAsync(HttpContext context, McpServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (context.Items.TryGetValue(ClientKey, out var client) && client is Implementation known)
        {
            options.KnownClientInfo = known;
        }

        return Task.CompletedTask;
    }

    /// <summary>Serves one request of <paramref name="user"/>.</summary>
    public async Task HandleAsync(HttpContext context, SignedInUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(user);
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            // Stateless: no stream to GET, no session to DELETE; the transport lets a server answer 405.
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = HttpMethods.Post;
            return;
        }

        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        var sessionId = request.Headers[SessionIdHeader].ToString();
        if (sessionId.Length > 0)
        {
            if (sessions.Open(sessionId, user) is not { } known)
            {
                // The transport's answer to an unknown session: the client starts again with initialize.
                logger.LogInformation("MCP request of user {UserId} with an unknown or expired session id", user.UserId);
                await WriteErrorAsync(response, StatusCodes.Status404NotFound, -32001, "Session not found or expired: initialize again.", cancellationToken);
                return;
            }

            context.Items[ClientKey] = known;
            request.Headers.Remove(SessionIdHeader);
        }

        if (InitializingClient(body) is { } client)
        {
            var issued = sessions.Issue(user, client);
            response.OnStarting(() =>
            {
                if (response.StatusCode == StatusCodes.Status200OK)
                {
                    response.Headers[SessionIdHeader] = issued;
                }

                return Task.CompletedTask;
            });
            logger.LogInformation("MCP client {Agent} initialized for user {UserId}", McpCaller.AgentOf(client), user.UserId);
        }

        context.User = McpCaller.ToPrincipal(user);
        request.Body = new MemoryStream(body, writable: false);
        request.ContentLength = body.Length;
        await _post.Value(context);
    }

    // The clientInfo of an initialize request; anything else (or malformed JSON, which the SDK answers) is null.
    private static Implementation? InitializingClient(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String && method.GetString() == RequestMethods.Initialize
                && root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("clientInfo", out var info) && info.ValueKind == JsonValueKind.Object
                && info.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                ? new Implementation
                {
                    Name = name.GetString()!,
                    Version = info.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString()! : "",
                }
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task WriteErrorAsync(HttpResponse response, int status, int code, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, new { jsonrpc = "2.0", id = (object?)null, error = new { code, message } }, cancellationToken: cancellationToken);
    }

    private static RequestDelegate PostHandlerOf(IServiceProvider services)
    {
        var routes = new Routes(services);
        routes.MapMcp();
        return routes.DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Single(endpoint => endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Post) == true)
            .RequestDelegate!;
    }

    /// <summary>A route builder that only collects what <c>MapMcp</c> maps.</summary>
    private sealed class Routes(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}
