using System.ComponentModel.DataAnnotations;
using Azure.Identity;
using Azure.Storage.Blobs;
using Collab.Functions.Configuration;
using Microsoft.Extensions.Configuration;

namespace Collab.Functions.Storage;

/// <summary>
/// Blob Storage settings. The connection is the Functions host's own <c>AzureWebJobsStorage</c>, the same one
/// the <c>[BlobOutput]</c> bindings use, so the app and its bindings can never point at different accounts.
/// It is either a connection string (<c>UseDevelopmentStorage=true</c> locally) or identity-based
/// (<c>AzureWebJobsStorage__blobServiceUri</c>, with <c>AzureWebJobsStorage__clientId</c> for a user-assigned identity).
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>The setting name of the storage connection.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>The section holding container names.</summary>
    public const string SectionName = "Storage";

    /// <summary>A storage connection string; empty when the connection is identity-based.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The blob endpoint of an identity-based connection.</summary>
    public string BlobServiceUri { get; set; } = "";

    /// <summary>The client id of the user-assigned managed identity of an identity-based connection.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The container of the user-to-ACS-identity mapping.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Storage:IdentitiesContainer must be a valid container name.")]
    public string IdentitiesContainer { get; set; } = "identities";

    /// <summary>Reads the Functions host's storage settings and the <c>Storage</c> section.</summary>
    public static void Bind(StorageOptions options, IConfiguration configuration)
    {
        options.ConnectionString = configuration[ConnectionSetting] ?? "";
        options.BlobServiceUri = configuration[$"{ConnectionSetting}:blobServiceUri"] ?? "";
        options.ClientId = configuration[$"{ConnectionSetting}:clientId"] ?? "";
        configuration.GetSection(SectionName).Bind(options);
    }

    /// <summary>The Blob service client for this connection; valid once options validation has passed.</summary>
    public BlobServiceClient CreateClient()
    {
        // Callers are interactive (a drawing op waits on this), so a few quick retries, then a 503 the caller retries.
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(250);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        if (ConnectionString.Length > 0)
        {
            return new BlobServiceClient(ConnectionString, options);
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = ClientId.Length > 0 ? ClientId : null,
        });
        return new BlobServiceClient(new Uri(BlobServiceUri), credential, options);
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ConnectionString.Length == 0 && BlobServiceUri.Length == 0)
        {
            yield return new ValidationResult("AzureWebJobsStorage must be set, as a connection string or as AzureWebJobsStorage__blobServiceUri.", [ConnectionSetting]);
        }

        foreach (var error in KeyVaultReference.CheckResolved(ConnectionString, ConnectionSetting))
        {
            yield return error;
        }

        if (ConnectionString.Length == 0 && BlobServiceUri.Length > 0
            && !(Uri.TryCreate(BlobServiceUri, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("AzureWebJobsStorage__blobServiceUri must be an absolute https URL.", [nameof(BlobServiceUri)]);
        }
    }
}
