using System.ComponentModel.DataAnnotations;
using Collab.Functions.Configuration;

namespace Collab.Functions.Tokens;

/// <summary>Azure Fluid Relay settings, section <c>FluidRelay</c> (shared/protocols/fluid-relay.md).</summary>
public sealed class FluidRelayOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "FluidRelay";

    /// <summary>The tenant <c>AzureClient</c> uses in local mode (Tinylicious).</summary>
    public const string LocalTenantId = "local";

    /// <summary>Every scope a Fluid token can carry.</summary>
    public static readonly IReadOnlySet<string> KnownScopes = new HashSet<string>(StringComparer.Ordinal) { "doc:read", "doc:write", "summary:write" };

    private static readonly string[] DefaultScopes = ["doc:read", "doc:write", "summary:write"];

    /// <summary>The Fluid Relay tenant id (<c>frsTenantId</c> of the resource).</summary>
    [Required]
    public string TenantId { get; set; } = "";

    /// <summary>The tenant key, a Key Vault reference on Azure; signs tokens as its UTF-8 bytes.</summary>
    [Required]
    public string TenantKey { get; set; } = "";

    /// <summary>The Fluid service endpoint the client connects to.</summary>
    [Required]
    [Url(ErrorMessage = "FluidRelay:Endpoint must be an absolute URL.")]
    public string Endpoint { get; set; } = "";

    /// <summary>Also accept tenant <c>local</c>, which <c>AzureClient</c> sends in local mode; for the Tinylicious stack only.</summary>
    public bool AllowLocalTenant { get; set; }

    /// <summary>The scopes a token may carry; a request asks for a subset. Empty means all three.</summary>
    public string[] Scopes { get; set; } = [];

    /// <summary>Token lifetime; Fluid Relay refuses tokens that live longer than an hour.</summary>
    [Range(1, 60, ErrorMessage = "FluidRelay:TokenLifetimeMinutes must be 1 to 60.")]
    public int TokenLifetimeMinutes { get; set; } = 60;

    /// <summary>The configured scopes, or all three.</summary>
    public IReadOnlyList<string> AllowedScopes() => Scopes.Length > 0 ? Scopes : DefaultScopes;

    /// <summary>True when tokens may be minted for <paramref name="tenantId"/>.</summary>
    public bool Serves(string tenantId) =>
        string.Equals(tenantId, TenantId, StringComparison.Ordinal) || (AllowLocalTenant && tenantId == LocalTenantId);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var error in KeyVaultReference.CheckResolved(TenantKey, "FluidRelay:TenantKey"))
        {
            yield return error;
        }

        foreach (var scope in Scopes.Where(s => !KnownScopes.Contains(s)))
        {
            yield return new ValidationResult($"FluidRelay:Scopes holds '{scope}', which is not a Fluid scope.", [nameof(Scopes)]);
        }
    }
}
