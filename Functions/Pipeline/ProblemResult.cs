using System.Text.Json;
using Collab.Boards.Errors;
using Collab.Boards.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Pipeline;

/// <summary>
/// An RFC 7807 <c>application/problem+json</c> response with a stable <c>type</c> per error kind
/// (<c>urn:collab:problem:{kind}</c>), so the SPA can branch on the kind and show the detail. Every problem is
/// written here, so this is where a 4xx is counted as a refusal (<see cref="CollabTelemetry.Refused"/>) by reason.
/// </summary>
public sealed class ProblemResult : IActionResult
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private ProblemResult(int status, string kind, string title, string detail, TimeSpan? retryAfter = null)
    {
        Problem = new ProblemDetails { Type = "urn:collab:problem:" + kind, Title = title, Status = status, Detail = detail };
        RetryAfter = retryAfter;
    }

    /// <summary>The body.</summary>
    public ProblemDetails Problem { get; }

    /// <summary>The HTTP status.</summary>
    public int StatusCode => Problem.Status!.Value;

    /// <summary>Sent as <c>Retry-After</c> (whole seconds, rounded up) on 429 and 503.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>401: the request carries no signed-in user.</summary>
    public static ProblemResult Unauthenticated() =>
        new(StatusCodes.Status401Unauthorized, "unauthenticated", "Sign-in required", "The request carries no signed-in user (X-MS-CLIENT-PRINCIPAL).");

    /// <summary>401: an upstream request from Web PubSub (or something pretending to be it) failed authentication.</summary>
    public static ProblemResult UnauthenticatedUpstream(string detail) =>
        new(StatusCodes.Status401Unauthorized, "unauthenticated", "Unauthenticated", detail);

    /// <summary>403: the caller is known but may not do this.</summary>
    public static ProblemResult Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    /// <summary>403: a browser page from an origin outside <c>Cors:AllowedOrigins</c>.</summary>
    public static ProblemResult OriginNotAllowed() =>
        new(StatusCodes.Status403Forbidden, "origin-not-allowed", "Origin not allowed", "Requests from this origin are not allowed.");

    /// <summary>400: the request is malformed or asks for something it may not have.</summary>
    public static ProblemResult InvalidRequest(string detail) => new(StatusCodes.Status400BadRequest, "invalid-request", "Invalid request", detail);

    /// <summary>413: the body, or the board it would change, is larger than accepted.</summary>
    public static ProblemResult PayloadTooLarge(string kind, string detail) =>
        new(StatusCodes.Status413PayloadTooLarge, kind, "Payload too large", detail);

    /// <summary>415: the body is not JSON.</summary>
    public static ProblemResult UnsupportedMediaType(string detail = "The body must be application/json.") =>
        new(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type", detail);

    /// <summary>409: the request conflicts with what exists.</summary>
    public static ProblemResult Conflict(string detail) => new(StatusCodes.Status409Conflict, "conflict", "Conflict", detail);

    /// <summary>404: the named thing does not exist here.</summary>
    public static ProblemResult NotFound(string kind, string detail) => new(StatusCodes.Status404NotFound, kind, "Not found", detail);

    /// <summary>429: the caller exceeded its rate limit.</summary>
    public static ProblemResult RateLimited(TimeSpan retryAfter, string detail = "The per-user rate limit of this endpoint is exhausted; retry later.", string code = "rate-limited") =>
        new(StatusCodes.Status429TooManyRequests, code, "Too many requests", detail, retryAfter);

    /// <summary>502: a dependency answered with an error we cannot recover from.</summary>
    public static ProblemResult UpstreamFailure(string detail) => new(StatusCodes.Status502BadGateway, "upstream-failure", "Upstream service failed", detail);

    /// <summary>503: a dependency is throttling or unreachable; retrying later may work.</summary>
    public static ProblemResult UpstreamUnavailable(string detail, TimeSpan retryAfter) =>
        new(StatusCodes.Status503ServiceUnavailable, "upstream-unavailable", "Upstream service unavailable", detail, retryAfter);

    /// <summary>The response for a service's error: the one mapping of <see cref="CollabException"/> to HTTP.</summary>
    public static ProblemResult From(CollabException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            InvalidRequestException { Code: InvalidRequestException.MediaTypeCode } => UnsupportedMediaType(exception.Message),
            InvalidRequestException => new(StatusCodes.Status400BadRequest, exception.Code, "Invalid request", exception.Message),
            UnauthenticatedException => new(StatusCodes.Status401Unauthorized, exception.Code, "Unauthenticated", exception.Message),
            TooLargeException => PayloadTooLarge(exception.Code, exception.Message),
            NotFoundException => NotFound(exception.Code, exception.Message),
            ForbiddenException => Forbidden(exception.Message),
            ConflictException => Conflict(exception.Message),
            RateLimitedException limited => RateLimited(limited.RetryAfter, exception.Message, exception.Code),
            UnavailableException { RetryAfter: { } retryAfter } => UpstreamUnavailable(exception.Message, retryAfter),
            UnavailableException => UpstreamFailure(exception.Message),
            _ => throw new ArgumentOutOfRangeException(nameof(exception), exception.GetType().Name, "No problem response is defined for this error."),
        };
    }

    /// <inheritdoc />
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return WriteAsync(context.HttpContext);
    }

    /// <summary>Writes the problem as the response of <paramref name="httpContext"/>.</summary>
    public async Task WriteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (RefusalReason(StatusCode) is { } reason)
        {
            httpContext.RequestServices?.GetService<CollabTelemetry>()?.Refused(reason);
        }

        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/problem+json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        if (RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = RetryAfterSeconds(retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await JsonSerializer.SerializeAsync(response.Body, Problem, Json, httpContext.RequestAborted);
    }

    /// <summary>The <see cref="CollabTelemetry.Reasons"/> value of a refusal; null for a dependency's failure (5xx).</summary>
    public static string? RefusalReason(int status) => status switch
    {
        StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => CollabTelemetry.Reasons.Auth,
        StatusCodes.Status400BadRequest or StatusCodes.Status415UnsupportedMediaType => CollabTelemetry.Reasons.Validation,
        StatusCodes.Status429TooManyRequests => CollabTelemetry.Reasons.RateLimit,
        StatusCodes.Status413PayloadTooLarge => CollabTelemetry.Reasons.Quota,
        StatusCodes.Status404NotFound => CollabTelemetry.Reasons.NotFound,
        StatusCodes.Status409Conflict => CollabTelemetry.Reasons.Conflict,
        _ => null,
    };

    /// <summary>Whole seconds, rounded up and at least one, as <c>Retry-After</c> carries them.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
}
