using Collab.Boards.Errors;
using Collab.Boards.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Pipeline;

/// <summary>
/// The one place where errors become HTTP: a <see cref="CollabException"/> from any HTTP function becomes its RFC 7807
/// problem response, and a dependency that is unavailable (however the SDK reports it) a 503 with <c>Retry-After</c>,
/// never a 500 with an exception message. Anything else is a bug and fails the invocation, which the host answers
/// with 500.
/// </summary>
public sealed class ProblemResponseMiddleware(FunctionPolicies policies, CollabTelemetry telemetry, ILogger<ProblemResponseMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { Response.HasStarted: false } http && ProblemFor(ex, context) is { } problem)
        {
            await problem.WriteAsync(http);
        }
    }

    // The detail is not logged: it may echo what the caller sent.
    private ProblemResult? ProblemFor(Exception exception, FunctionContext context)
    {
        var function = context.FunctionDefinition.Name;
        if (exception is CollabException refused)
        {
            var problem = ProblemResult.From(refused);
            logger.LogInformation("{Function} for user {UserId} ended with {Status} {Kind}", function, context.FindSignedInUser()?.UserId, problem.StatusCode, refused.Code);
            return problem;
        }

        if (DependencyFailure.IsUnavailable(exception))
        {
            logger.LogWarning("{Function} failed: a dependency is unavailable ({Error})", function, exception.GetType().Name);
            // The REST clients of Web PubSub throw HttpRequestException; the Azure SDK (storage) its own exceptions.
            telemetry.DependencyFailed(exception is HttpRequestException ? CollabTelemetry.Dependencies.WebPubSub : CollabTelemetry.Dependencies.Storage);
            return ProblemResult.UpstreamUnavailable("A dependency is unavailable; retry later.", policies.Of(context).RetryAfter);
        }

        return null;
    }
}
