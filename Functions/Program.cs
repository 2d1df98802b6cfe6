using Collab.Functions;
using Collab.Functions.Configuration;
using Collab.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Configuration.AddCollabKeyVault();
builder.ConfigureFunctionsWebApplication();

// Outermost first: security headers on every response, errors become problems, then the checks a [SignedIn] /
// [RateLimited] function declares.
builder.UseMiddleware<SecurityHeadersMiddleware>();
builder.UseMiddleware<ProblemResponseMiddleware>();
builder.UseMiddleware<BrowserOriginMiddleware>();
builder.UseMiddleware<SignedInUserMiddleware>();
builder.UseMiddleware<UserRateLimitMiddleware>();

builder.Services.AddCollab(builder.Configuration);
builder.Build().Run();
