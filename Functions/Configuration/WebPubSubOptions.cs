using System.ComponentModel.DataAnnotations;
using Collab.Protocols.WebPubSub;

namespace Collab.Functions.Configuration;

/// <summary>Web PubSub settings, section <c>WebPubSub</c> (<c>WebPubSub__ConnectionString</c> in app settings).</summary>
public sealed class WebPubSubOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "WebPubSub";

    /// <summary><c>Endpoint=...;AccessKey=...;Version=1.0;</c>, a Key Vault reference on Azure.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>The hub the whiteboard clients connect to.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z][A-Za-z0-9_`,.\[\]]{0,127}$", ErrorMessage = "WebPubSub:Hub must be a valid Web PubSub hub name.")]
    public string Hub { get; set; } = "collab";

    /// <summary>The parsed connection string; valid once options validation has passed (a method, so validation never evaluates it early).</summary>
    public WebPubSubConnectionString ParseConnection() => WebPubSubConnectionString.Parse(ConnectionString);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        KeyVaultReference.CheckConnectionString(ConnectionString, "WebPubSub:ConnectionString", value => WebPubSubConnectionString.Parse(value));
}
