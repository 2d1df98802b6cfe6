using Collab.Functions;
using Collab.Functions.Configuration;
using Collab.Functions.Pipeline;
using Collab.Functions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Configuration.AddCollabKeyVault();
builder.ConfigureFunctionsWebApplication();

// Outermost first: security headers on every response, errors become problems, then the checks a [SignedIn] /
// [RateLimited] function declares.
builder.UseMiddleware<RequestActivityMiddleware>();
builder.UseMiddleware<SecurityHeadersMiddleware>();
builder.UseMiddleware<ProblemResponseMiddleware>();
builder.UseMiddleware<BrowserOriginMiddleware>();
builder.UseMiddleware<SignedInUserMiddleware>();
builder.UseMiddleware<UserRateLimitMiddleware>();

// ASP.NET Core's request lines carry the whole URL, and the ACS events webhook's URL carries its secret (?secret=):
// the worker leaves request logging to the host (which on Azure records invocations without query strings).
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

builder.Services.AddCollab(builder.Configuration);
builder.Services.AddCollabTelemetryExport(builder.Configuration);
builder.Build().Run();
