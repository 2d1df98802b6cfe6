using System.ComponentModel.DataAnnotations;

namespace Collab.Functions.Configuration;

/// <summary>
/// Blob Storage settings. The connection is the Functions host's own <c>AzureWebJobsStorage</c>, the same one
/// the <c>[BlobOutput]</c> bindings use, so the app and its bindings can never point at different accounts.
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>The setting name of the storage connection.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>A storage connection string (<c>UseDevelopmentStorage=true</c> locally).</summary>
    [Required(ErrorMessage = "AzureWebJobsStorage must be set.")]
    public string ConnectionString { get; set; } = "";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        KeyVaultReference.CheckResolved(ConnectionString, ConnectionSetting);
}
