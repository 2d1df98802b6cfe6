using Azure;
using Azure.Security.KeyVault.Secrets;
using Collab.Functions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Collab.Functions.Tests.Configuration;

/// <summary>
/// Our Key Vault configuration provider, isolated from the vault with a mocked <see cref="SecretClient"/> (no
/// Key Vault can run here).
/// </summary>
public sealed class KeyVaultSecretsConfigurationProviderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Secrets_BecomeSettings_WithDoubleDashAsTheSectionSeparator()
    {
        var client = Client(
            ("WebPubSub--ConnectionString", "Endpoint=https://wps.example;AccessKey=k;Version=1.0;", Enabled: true, Expires: null),
            ("FluidRelay--TenantKey", "fluid-key", Enabled: true, Expires: Now.AddDays(1)));

        var configuration = Build(client.Object);

        Assert.Equal("Endpoint=https://wps.example;AccessKey=k;Version=1.0;", configuration["WebPubSub:ConnectionString"]);
        Assert.Equal("fluid-key", configuration["FluidRelay:TenantKey"]);
        Assert.Equal("fluid-key", configuration.GetSection("FluidRelay")["TenantKey"]);
    }

    [Fact]
    public void DisabledAndExpiredSecrets_AreNotLoaded_NorEvenRead()
    {
        var client = Client(
            ("Acs--ConnectionString", "old", Enabled: false, Expires: null),
            ("FluidRelay--TenantKey", "expired", Enabled: true, Expires: Now.AddMinutes(-1)));

        var configuration = Build(client.Object);

        Assert.Null(configuration["Acs:ConnectionString"]);
        Assert.Null(configuration["FluidRelay:TenantKey"]);
        client.Verify(c => c.GetSecret(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public void VaultSecrets_OverrideEarlierSources()
    {
        var client = Client(("Acs--ConnectionString", "from-vault", Enabled: true, Expires: null));

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Acs:ConnectionString"] = "@Microsoft.KeyVault(SecretUri=x)" })
            .Add(new KeyVaultSecretsConfigurationSource(client.Object, new FakeTimeProvider(Now)))
            .Build();

        Assert.Equal("from-vault", configuration["Acs:ConnectionString"]);
    }

    [Fact]
    public void UnreachableVault_FailsStartUp()
    {
        var client = new Mock<SecretClient>();
        client.Setup(c => c.GetPropertiesOfSecrets(It.IsAny<CancellationToken>())).Throws(new RequestFailedException(403, "Forbidden"));

        Assert.Throws<RequestFailedException>(() => Build(client.Object));
    }

    [Fact]
    public void NoVaultUri_AddsNothing()
    {
        var manager = new ConfigurationManager();
        manager.AddInMemoryCollection(new Dictionary<string, string?> { ["Acs:ConnectionString"] = "x" });
        var before = manager.Sources.Count;

        manager.AddCollabKeyVault();

        Assert.Equal(before, manager.Sources.Count);
    }

    [Fact]
    public void HttpVaultUri_IsRefused()
    {
        var manager = new ConfigurationManager();
        manager.AddInMemoryCollection(new Dictionary<string, string?> { ["KeyVault:VaultUri"] = "http://vault.example" });

        Assert.Throws<InvalidOperationException>(() => manager.AddCollabKeyVault());
    }

    private static IConfigurationRoot Build(SecretClient client) =>
        new ConfigurationBuilder().Add(new KeyVaultSecretsConfigurationSource(client, new FakeTimeProvider(Now))).Build();

    private static Mock<SecretClient> Client(params (string Name, string Value, bool Enabled, DateTimeOffset? Expires)[] secrets)
    {
        var client = new Mock<SecretClient>();
        var properties = secrets.Select(s => new SecretProperties(s.Name) { Enabled = s.Enabled, ExpiresOn = s.Expires }).ToList();
        client.Setup(c => c.GetPropertiesOfSecrets(It.IsAny<CancellationToken>()))
            .Returns(Pageable<SecretProperties>.FromPages([Page<SecretProperties>.FromValues(properties, null, Mock.Of<Response>())]));
        foreach (var (name, value, _, _) in secrets)
        {
            var secret = SecretModelFactory.KeyVaultSecret(SecretModelFactory.SecretProperties(name: name), value);
            client.Setup(c => c.GetSecret(name, It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(Response.FromValue(secret, Mock.Of<Response>()));
        }

        return client;
    }
}
