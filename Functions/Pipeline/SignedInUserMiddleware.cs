using Collab.Functions.Identity;
using Collab.Functions.Mcp;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Pipeline;

/// <summary>
/// For <see cref="SignedInAttribute"/> functions: reads the caller from the Easy Auth principal headers and refuses
/// a request without one (401, with the <see cref="BearerChallenge"/> that tells an MCP client where to sign in), so no
/// such function runs, or mints anything, for an anonymous caller.
/// </summary>
public sealed class SignedInUserMiddleware(FunctionPolicies policies, ILogger<SignedInUserMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (policies.Of(context).SignedIn && context.GetHttpContext() is { } http)
        {
            if (ClientPrincipalReader.Read(http.Request.Headers) is not { } user)
            {
                logger.LogInformation("Refused {Function}: no signed-in user", context.FunctionDefinition.Name);
                http.Response.Headers.WWWAuthenticate = BearerChallenge.For(http.Request);
                await ProblemResult.Unauthenticated().WriteAsync(http);
                return;
            }

            context.SetSignedInUser(user);
        }

        await next(context);
    }
}
