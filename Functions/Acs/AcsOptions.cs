using System.ComponentModel.DataAnnotations;
using Collab.Functions.Configuration;
using Collab.Protocols.Acs;

namespace Collab.Functions.Acs;

/// <summary>Azure Communication Services settings, section <c>Acs</c> (<c>Acs__ConnectionString</c> in app settings).</summary>
public sealed class AcsOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Acs";

    /// <summary>Every token scope the identity API knows (shared/protocols/acs-identity.md §5).</summary>
    public static readonly IReadOnlySet<string> KnownScopes = new HashSet<string>(StringComparer.Ordinal) { "chat", "voip", "chat.join", "chat.join.limited", "voip.join" };

    private static readonly string[] DefaultScopes = ["chat", "voip"];
    private static readonly TimeSpan[] DefaultRetryDelays = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    /// <summary><c>endpoint=...;accesskey=...</c>, a Key Vault reference on Azure.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>The identity API version sent on every request.</summary>
    [Required]
    [RegularExpression(@"^\d{4}-\d{2}-\d{2}(-preview)?$", ErrorMessage = "Acs:ApiVersion must look like 2023-10-01.")]
    public string ApiVersion { get; set; } = "2023-10-01";

    /// <summary>
    /// The scopes a token may carry; a request asks for a subset, and gets all of them by default. Empty means
    /// <c>chat, voip</c> (an array default would be appended to by the configuration binder, not replaced).
    /// </summary>
    public string[] Scopes { get; set; } = [];

    /// <summary>Token lifetime; the service accepts 60 to 1440 minutes, and short is safer.</summary>
    [Range(60, 1440)]
    public int TokenLifetimeMinutes { get; set; } = 60;

    /// <summary>Waits before each retry of a 429, 5xx or network failure; empty means 0.5 s, 1 s, 2 s.</summary>
    public TimeSpan[] RetryDelays { get; set; } = [];

    /// <summary>The parsed connection string; valid once options validation has passed (a method, so validation never evaluates it early).</summary>
    public AcsConnectionString ParseConnection() => AcsConnectionString.Parse(ConnectionString);

    /// <summary>The configured scopes, or the default <c>chat, voip</c>.</summary>
    public IReadOnlyList<string> AllowedScopes() => Scopes.Length > 0 ? Scopes : DefaultScopes;

    /// <summary>The configured retry delays, or the defaults.</summary>
    public IReadOnlyList<TimeSpan> EffectiveRetryDelays() => RetryDelays.Length > 0 ? RetryDelays : DefaultRetryDelays;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var error in KeyVaultReference.CheckConnectionString(ConnectionString, "Acs:ConnectionString", value => AcsConnectionString.Parse(value)))
        {
            yield return error;
        }

        foreach (var scope in Scopes.Where(s => !KnownScopes.Contains(s)))
        {
            yield return new ValidationResult($"Acs:Scopes holds '{scope}', which is not an ACS token scope.", [nameof(Scopes)]);
        }

        if (RetryDelays.Any(d => d < TimeSpan.Zero || d > TimeSpan.FromMinutes(1)))
        {
            yield return new ValidationResult("Acs:RetryDelays must each be between 0 and 1 minute.", [nameof(RetryDelays)]);
        }
    }
}
