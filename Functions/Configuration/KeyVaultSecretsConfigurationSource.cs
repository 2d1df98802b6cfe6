using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;

namespace Collab.Functions.Configuration;

/// <summary>Configuration from the secrets of one Key Vault (see <see cref="KeyVaultSecretsConfigurationProvider"/>).</summary>
public sealed class KeyVaultSecretsConfigurationSource(SecretClient client, TimeProvider time) : IConfigurationSource
{
    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new KeyVaultSecretsConfigurationProvider(client, time);
}
