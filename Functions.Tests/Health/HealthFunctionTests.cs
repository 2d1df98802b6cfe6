using System.Text.Json;
using Collab.Functions.Configuration;
using Collab.Functions.Health;
using Collab.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Health;

/// <summary><c>GET /api/health</c> against real Azurite and the in-process emulators.</summary>
public sealed class HealthFunctionTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task AllDependenciesUp_Is200Healthy()
    {
        var result = await RunAsync(Settings());

        Assert.Equal(StatusCodes.Status200OK, result.StatusCode);
        var report = Assert.IsType<HealthReport>(result.Value);
        Assert.Equal("Healthy", report.Status);
        Assert.StartsWith("0.1.0", report.Version);
        Assert.Equal(["acs", "storage", "webPubSub"], report.Dependencies.Keys.Order());
        Assert.All(report.Dependencies.Values, d => Assert.True(d.Healthy, d.Error));
    }

    [Fact]
    public async Task DependencyDown_Is503AndNamesItWithoutLeakingTheKey()
    {
        var settings = Settings();
        var closedPort = FreePort.Next();
        settings["WebPubSub:ConnectionString"] = $"Endpoint=http://127.0.0.1:{closedPort};AccessKey={emulators.WebPubSubOptions.AccessKey};Version=1.0;";

        var result = await RunAsync(settings);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, result.StatusCode);
        var report = Assert.IsType<HealthReport>(result.Value);
        Assert.Equal("Unhealthy", report.Status);
        Assert.False(report.Dependencies["webPubSub"].Healthy);
        Assert.True(report.Dependencies["storage"].Healthy);
        Assert.DoesNotContain(emulators.WebPubSubOptions.AccessKey, JsonSerializer.Serialize(report));
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

    private static async Task<ObjectResult> RunAsync(Dictionary<string, string?> settings)
    {
        await using var provider = Services(settings);
        provider.GetRequiredService<IStartupValidator>().Validate();
        var function = ActivatorUtilities.CreateInstance<HealthFunction>(provider);
        var request = new DefaultHttpContext { RequestServices = provider }.Request;
        return Assert.IsType<ObjectResult>(await function.Run(request, CancellationToken.None));
    }
}
