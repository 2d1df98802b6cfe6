using System.ComponentModel.DataAnnotations;
using Collab.Functions.Configuration;
using Collab.Protocols.WebPubSub;

namespace Collab.Functions.WebPubSub;

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

    /// <summary>
    /// The other access key of the resource (a Key Vault reference on Azure), so upstream signatures stay valid
    /// while keys are rotated: the service signs every event with both keys.
    /// </summary>
    public string SecondaryAccessKey { get; set; } = "";

    /// <summary>Client token lifetime; the token is only checked when connecting, so it bounds how long a leaked URL works.</summary>
    [Range(1, 1440, ErrorMessage = "WebPubSub:TokenLifetimeMinutes must be 1 to 1440 (24 hours).")]
    public int TokenLifetimeMinutes { get; set; } = 60;

    /// <summary>
    /// How far an event's <c>ce-time</c> may be from this app's clock, either way, for the event to be accepted: the
    /// service's retries of an event last seconds (shared/protocols/web-pubsub.md §4.9), so anything older is a
    /// replay. Also how long an event id is remembered for its retries, and at most <c>Boards:DeduplicationAge</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00", ErrorMessage = "WebPubSub:EventTimeWindow must be 00:00:10 to 01:00:00.")]
    public TimeSpan EventTimeWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The parsed connection string; valid once options validation has passed (a method, so validation never evaluates it early).</summary>
    public WebPubSubConnectionString ParseConnection() => WebPubSubConnectionString.Parse(ConnectionString);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        KeyVaultReference.CheckConnectionString(ConnectionString, "WebPubSub:ConnectionString", value => WebPubSubConnectionString.Parse(value))
            .Concat(KeyVaultReference.CheckResolved(SecondaryAccessKey, "WebPubSub:SecondaryAccessKey"));

    /// <summary>Every access key upstream signatures may be made with.</summary>
    public IReadOnlyList<string> AccessKeys() =>
        SecondaryAccessKey.Length > 0 ? [ParseConnection().AccessKey, SecondaryAccessKey] : [ParseConnection().AccessKey];
}
