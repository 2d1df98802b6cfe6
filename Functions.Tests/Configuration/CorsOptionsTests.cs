using Collab.Functions.Configuration;
using Collab.Functions.Pipeline;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Configuration;

/// <summary>Allowed origins come as an array locally and as one comma-separated app setting from the template.</summary>
public sealed class CorsOptionsTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Theory]
    [InlineData("Cors:AllowedOrigins", "https://app.contoso.com, https://admin.contoso.com")]
    [InlineData("Cors:AllowedOrigins:1", "https://admin.contoso.com")]
    public void BothFormsBind(string key, string value)
    {
        var settings = CollabApp.Settings(emulators);
        settings["Cors:AllowedOrigins:0"] = key.EndsWith(":1", StringComparison.Ordinal) ? "https://app.contoso.com" : null;
        settings[key] = value;
        using var provider = CollabApp.BuildServices(settings);

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(["https://app.contoso.com", "https://admin.contoso.com"], provider.GetRequiredService<IOptions<CorsOptions>>().Value.AllowedOrigins);
    }

    [Fact]
    public void AnInvalidOriginInTheListFailsStartUp()
    {
        var settings = CollabApp.Settings(emulators);
        settings.Remove("Cors:AllowedOrigins:0");
        settings["Cors:AllowedOrigins"] = "https://app.contoso.com,*";
        using var provider = CollabApp.BuildServices(settings);

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }
}
