using System.ComponentModel.DataAnnotations;
using Collab.Functions.Configuration;
using Collab.Functions.Storage;
using Microsoft.Extensions.Configuration;

namespace Collab.Functions.Tests.Configuration;

/// <summary>The storage connection: a connection string, or identity-based as the Functions host reads it.</summary>
public sealed class StorageOptionsTests
{
    [Fact]
    public void IdentityBasedConnection_IsReadFromTheHostsSettings()
    {
        var options = Bind(new()
        {
            ["AzureWebJobsStorage:blobServiceUri"] = "https://collabstore.blob.core.windows.net",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
            ["Storage:IdentitiesContainer"] = "ids",
        });

        Assert.Empty(Validate(options));
        Assert.Equal("ids", options.IdentitiesContainer);
        Assert.Equal(new Uri("https://collabstore.blob.core.windows.net"), options.CreateClient().Uri);
    }

    [Theory]
    [InlineData(null, null, "AzureWebJobsStorage must be set")]
    [InlineData(null, "http://collabstore.blob.core.windows.net", "must be an absolute https URL")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/storage/)", null, "unresolved Key Vault reference")]
    public void BadConnections_AreRefused(string? connectionString, string? blobServiceUri, string expected)
    {
        var options = Bind(new() { ["AzureWebJobsStorage"] = connectionString, ["AzureWebJobsStorage:blobServiceUri"] = blobServiceUri });

        Assert.Contains(Validate(options), r => r.ErrorMessage!.Contains(expected, StringComparison.Ordinal));
    }

    private static StorageOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new StorageOptions();
        StorageOptions.Bind(options, new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return options;
    }

    private static List<ValidationResult> Validate(StorageOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
