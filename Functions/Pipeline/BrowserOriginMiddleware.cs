using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Pipeline;

/// <summary>
/// For <see cref="SignedInAttribute"/> functions: marks the response <c>no-store</c>, refuses a browser
/// <c>Origin</c> that is neither the app's own nor in <c>Cors:AllowedOrigins</c> (403; this also stops cross-site
/// requests riding on the user's cookies), and answers allowed origins with CORS headers and credentials.
/// </summary>
public sealed class BrowserOriginMiddleware(FunctionPolicies policies, IOptions<CorsOptions> cors, ILogger<BrowserOriginMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!policies.Of(context).SignedIn || context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        var response = http.Response;
        response.Headers.CacheControl = "no-store";
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            if (!cors.Value.Allows(origin) && !IsSameOrigin(origin, http.Request))
            {
                logger.LogWarning("Refused {Function}: origin {Origin} is not allowed", context.FunctionDefinition.Name, origin);
                await ProblemResult.OriginNotAllowed().WriteAsync(http);
                return;
            }

            response.Headers.AccessControlAllowOrigin = origin;
            response.Headers.AccessControlAllowCredentials = "true";
            response.Headers.Vary = "Origin";
        }

        await next(context);
    }

    // Browsers send Origin on same-origin POST and DELETE too. The scheme is not compared because TLS is often
    // terminated in front of the app, so the request may arrive as http while the page is https.
    private static bool IsSameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
