using System.Net.Http.Json;
using System.Text.Json;
using Collab.Functions.Configuration;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Health;

/// <summary><c>GET /api/health</c> through the real worker and the local host, against real Azurite and the in-process emulators; start-up validation of every setting.</summary>
public sealed class HealthFunctionTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task AllDependenciesUp_Is200Healthy_ThroughTheRealWorker()
    {
        await using var stack = await LocalStack.StartAsync(emulators);
        using var http = new HttpClient { BaseAddress = stack.BaseAddress };

        var response = await http.GetAsync("api/health");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        Assert.StartsWith("0.1.0", report.GetProperty("version").GetString());
        var dependencies = report.GetProperty("dependencies").EnumerateObject().ToList();
        Assert.Equal(["acs", "storage", "webPubSub"], dependencies.Select(d => d.Name).Order());
        Assert.All(dependencies, d => Assert.True(d.Value.GetProperty("healthy").GetBoolean(), d.Value.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task DependencyDown_Is503AndNamesItWithoutLeakingTheKey_ThroughTheRealWorker()
    {
        var closedPort = FreePort.Next();
        await using var stack = await LocalStack.StartAsync(emulators, settings =>
            settings["WebPubSub:ConnectionString"] = $"Endpoint=http://127.0.0.1:{closedPort};AccessKey={emulators.WebPubSubOptions.AccessKey};Version=1.0;");
        using var http = new HttpClient { BaseAddress = stack.BaseAddress };

        var response = await http.GetAsync("api/health");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var report = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Unhealthy", report.GetProperty("status").GetString());
        Assert.False(report.GetProperty("dependencies").GetProperty("webPubSub").GetProperty("healthy").GetBoolean());
        Assert.True(report.GetProperty("dependencies").GetProperty("storage").GetProperty("healthy").GetBoolean());
        Assert.DoesNotContain(emulators.WebPubSubOptions.AccessKey, body);
    }

    [Theory]
    [InlineData("WebPubSub:ConnectionString", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/wps/)", "unresolved Key Vault reference")]
    [InlineData("Acs:ConnectionString", "@Microsoft.KeyVault(VaultName=kv;SecretName=acs)", "unresolved Key Vault reference")]
    [InlineData("Acs:ConnectionString", "endpoint=http://x/path;accesskey=c2VjcmV0", "Acs:ConnectionString is invalid")]
    [InlineData("WebPubSub:Hub", "9-not-a-hub", "valid Web PubSub hub name")]
    [InlineData("AzureWebJobsStorage", "", "AzureWebJobsStorage must be set")]
    [InlineData("FluidRelay:TenantKey", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/fluid/)", "FluidRelay:TenantKey is an unresolved Key Vault reference")]
    [InlineData("FluidRelay:TenantKey", "", "TenantKey field is required")]
    [InlineData("FluidRelay:TokenLifetimeMinutes", "61", "FluidRelay:TokenLifetimeMinutes must be 1 to 60")]
    [InlineData("WebPubSub:TokenLifetimeMinutes", "1441", "WebPubSub:TokenLifetimeMinutes must be 1 to 1440")]
    [InlineData("Acs:TokenLifetimeMinutes", "59", "TokenLifetimeMinutes must be between 60 and 1440")]
    [InlineData("Acs:Scopes:0", "admin", "Acs:Scopes holds 'admin'")]
    [InlineData("Acs:ApiVersion", "latest", "Acs:ApiVersion must look like")]
    [InlineData("Cors:AllowedOrigins:0", "*", "not an origin")]
    [InlineData("Cors:AllowedOrigins:0", "https://app.example/path", "not an origin")]
    [InlineData("RateLimit:PermitsPerMinute", "0", "RateLimit:PermitsPerMinute must be")]
    [InlineData("Boards:LiveMaxBytes", "0", "Boards:LiveMaxBytes must be 1 to")]
    [InlineData("Boards:MaxShapes", "0", "MaxShapes must be between 1 and")]
    public void InvalidSettings_FailAtStartUpWithAClearMessage(string key, string value, string expected)
    {
        var settings = Settings();
        settings[key] = value;
        using var provider = Services(settings);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(expected, error.Message);
        if (key.EndsWith("ConnectionString", StringComparison.Ordinal) || key.EndsWith("Key", StringComparison.Ordinal))
        {
            Assert.False(value.Length > 0 && error.Message.Contains(value, StringComparison.Ordinal), "A secret setting's value must never appear in the error.");
        }
    }

    private Dictionary<string, string?> Settings() => CollabApp.Settings(emulators);

    private static ServiceProvider Services(Dictionary<string, string?> settings) => CollabApp.BuildServices(settings);
}
