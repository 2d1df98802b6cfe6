using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Pipeline;

/// <summary>For <see cref="RateLimitedAttribute"/> functions: one permit per call from the caller's per-function window, else 429 with <c>Retry-After</c>.</summary>
public sealed class UserRateLimitMiddleware(FunctionPolicies policies, UserRateLimiter limiter, ILogger<UserRateLimitMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (policies.Of(context).RateLimited && context.GetHttpContext() is { } http)
        {
            var user = context.GetSignedInUser();
            if (limiter.TryAcquire(context.FunctionDefinition.Name, user.UserId) is { } retryAfter)
            {
                logger.LogWarning("Refused {Function} for user {UserId}: rate limit exceeded", context.FunctionDefinition.Name, user.UserId);
                await ProblemResult.RateLimited(retryAfter).WriteAsync(http);
                return;
            }
        }

        await next(context);
    }
}
