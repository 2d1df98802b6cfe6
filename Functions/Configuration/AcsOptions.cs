using System.ComponentModel.DataAnnotations;
using Collab.Protocols.Acs;

namespace Collab.Functions.Configuration;

/// <summary>Azure Communication Services settings, section <c>Acs</c> (<c>Acs__ConnectionString</c> in app settings).</summary>
public sealed class AcsOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Acs";

    /// <summary><c>endpoint=...;accesskey=...</c>, a Key Vault reference on Azure.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>The parsed connection string; valid once options validation has passed (a method, so validation never evaluates it early).</summary>
    public AcsConnectionString ParseConnection() => AcsConnectionString.Parse(ConnectionString);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        KeyVaultReference.CheckConnectionString(ConnectionString, "Acs:ConnectionString", value => AcsConnectionString.Parse(value));
}
