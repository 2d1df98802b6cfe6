using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Collab.Functions.Pipeline;

/// <summary>
/// Every HTTP function's response, problems included, says what it is and may do: <c>X-Content-Type-Options:
/// nosniff</c>, so a browser never takes a body for another type than it is sent as (a background image or a chat
/// line for a page), and a <c>Content-Security-Policy</c> that runs and loads nothing and may not be framed. An SVG
/// export is a document a browser renders when opened, so its policy also allows its inline styles and the board's
/// background image; still no script.
/// </summary>
public sealed class SecurityHeadersMiddleware : IFunctionsWorkerMiddleware
{
    /// <summary>The policy of every response but SVG.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The policy of an SVG response (<c>export.svg</c>).</summary>
    public const string SvgContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is { } http)
        {
            // Set as the response starts, when its content type is known, whatever wrote it.
            var response = http.Response;
            response.OnStarting(() =>
            {
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers.TryAdd(
                    "Content-Security-Policy",
                    (response.ContentType ?? "").StartsWith("image/svg+xml", StringComparison.OrdinalIgnoreCase) ? SvgContentSecurityPolicy : ContentSecurityPolicy);
                return Task.CompletedTask;
            });
        }

        await next(context);
    }
}
