using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;

namespace Collab.Functions.Configuration;

/// <summary>Adds Key Vault secrets to configuration when <c>KeyVault:VaultUri</c> is set.</summary>
public static class KeyVaultConfigurationBuilderExtensions
{
    /// <summary>The setting naming the vault; when absent, nothing is added (App Service Key Vault references still work).</summary>
    public const string VaultUriSetting = "KeyVault:VaultUri";

    /// <summary>
    /// Reads <c>KeyVault:VaultUri</c> (and <c>KeyVault:ClientId</c> for a user-assigned identity) from the configuration
    /// built so far and, when set, adds the vault's secrets through <see cref="DefaultAzureCredential"/>.
    /// </summary>
    public static IConfigurationBuilder AddCollabKeyVault(this IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var vaultUri = configuration[VaultUriSetting];
        if (string.IsNullOrWhiteSpace(vaultUri))
        {
            return configuration;
        }

        if (!Uri.TryCreate(vaultUri, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"{VaultUriSetting} must be an absolute https URL such as https://my-vault.vault.azure.net/.");
        }

        var clientId = configuration["KeyVault:ClientId"];
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrEmpty(clientId) ? null : clientId,
        });
        return configuration.Add(new KeyVaultSecretsConfigurationSource(new SecretClient(uri, credential), TimeProvider.System));
    }
}
