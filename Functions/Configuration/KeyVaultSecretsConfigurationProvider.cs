using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;

namespace Collab.Functions.Configuration;

/// <summary>
/// Loads every enabled, unexpired secret of a vault once at start-up, naming settings the way App Service and
/// Azure.Extensions.AspNetCore.Configuration.Secrets do: <c>--</c> in a secret name is the section separator
/// (<c>WebPubSub--ConnectionString</c> is <c>WebPubSub:ConnectionString</c>). Written here because that package is
/// not available to us; a failure to reach the vault fails start-up rather than leaving settings silently empty.
/// </summary>
public sealed class KeyVaultSecretsConfigurationProvider(SecretClient client, TimeProvider time) : ConfigurationProvider
{
    /// <inheritdoc />
    public override void Load()
    {
        var now = time.GetUtcNow();
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var properties in client.GetPropertiesOfSecrets())
        {
            if (properties.Enabled != true || properties.ExpiresOn <= now || properties.NotBefore > now)
            {
                continue;
            }

            var secret = client.GetSecret(properties.Name, null, CancellationToken.None).Value;
            data[properties.Name.Replace("--", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = secret.Value;
        }

        Data = data;
    }
}
