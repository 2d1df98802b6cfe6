using Collab.Functions.Configuration;
using Collab.Functions.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Http;

/// <summary>
/// What every endpoint for a signed-in user does before its own work, in this order: refuse a browser origin that
/// is not allowed (403; this also stops cross-site requests riding on the user's cookies), require the Easy Auth
/// principal (401), take a per-user rate-limit permit (429 with <c>Retry-After</c>), and mark the response
/// <c>no-store</c> because it usually carries a credential. A service's <see cref="ApiProblemException"/> becomes
/// its problem response.
/// </summary>
public sealed class SignedInEndpoint(IOptions<CorsOptions> cors, UserRateLimiter limiter, ILogger<SignedInEndpoint> logger)
{
    /// <summary>Runs <paramref name="handler"/> for the caller of <paramref name="request"/>.</summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="endpoint">A stable endpoint name, the rate-limit partition and the log scope.</param>
    /// <param name="handler">The endpoint's work.</param>
    /// <param name="rateLimited">Whether the per-user rate limit applies (the token endpoints); board reads are not limited.</param>
    public async Task<IActionResult> RunAsync(HttpRequest request, string endpoint, Func<SignedInUser, Task<IActionResult>> handler, bool rateLimited = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        var response = request.HttpContext.Response;
        response.Headers.CacheControl = "no-store";

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            if (!cors.Value.Allows(origin) && !IsSameOrigin(origin, request))
            {
                logger.LogWarning("Refused {Endpoint}: origin {Origin} is not allowed", endpoint, origin);
                return ProblemResult.OriginNotAllowed();
            }

            response.Headers.AccessControlAllowOrigin = origin;
            response.Headers.AccessControlAllowCredentials = "true";
            response.Headers.Vary = "Origin";
        }

        if (ClientPrincipalReader.Read(request.Headers) is not { } user)
        {
            logger.LogInformation("Refused {Endpoint}: no signed-in user", endpoint);
            return ProblemResult.Unauthenticated();
        }

        if (rateLimited && limiter.TryAcquire(endpoint, user.UserId) is { } retryAfter)
        {
            logger.LogWarning("Refused {Endpoint} for user {UserId}: rate limit exceeded", endpoint, user.UserId);
            return ProblemResult.RateLimited(retryAfter);
        }

        try
        {
            return await handler(user);
        }
        catch (ApiProblemException ex)
        {
            logger.LogInformation("{Endpoint} for user {UserId} ended with {Status} {Kind}", endpoint, user.UserId, ex.Problem.StatusCode, ex.Problem.Problem.Type);
            return ex.Problem;
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex))
        {
            logger.LogWarning("{Endpoint} for user {UserId} failed: a dependency is unavailable ({Error})", endpoint, user.UserId, ex.GetType().Name);
            return ProblemResult.UpstreamUnavailable("A dependency is unavailable; retry later.", TimeSpan.FromSeconds(5));
        }
    }

    // Browsers send Origin on same-origin POST and DELETE too. The scheme is not compared because TLS is often
    // terminated in front of the app, so the request may arrive as http while the page is https.
    private static bool IsSameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
