using Collab.Functions.Configuration;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Configuration.AddCollabKeyVault();
builder.ConfigureFunctionsWebApplication();
builder.Services.AddCollab(builder.Configuration);
builder.Build().Run();
