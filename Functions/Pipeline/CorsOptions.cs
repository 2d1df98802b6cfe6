using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Collab.Functions.Pipeline;

/// <summary>Browser origins allowed to call the API, section <c>Cors</c>.</summary>
public sealed class CorsOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Cors";

    /// <summary>Origins such as <c>https://app.contoso.com</c>: scheme, host and port, nothing else. Empty allows no cross-origin caller.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// The origins as configured: <c>Cors__AllowedOrigins__0</c>, <c>__1</c>, … or one comma-separated
    /// <c>Cors__AllowedOrigins</c>, the form a deployment template can write as a single app setting.
    /// </summary>
    public static string[] ReadOrigins(IConfigurationSection section, string[] bound)
    {
        ArgumentNullException.ThrowIfNull(section);
        var list = section[nameof(AllowedOrigins)];
        return string.IsNullOrEmpty(list) ? bound : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>True when <paramref name="origin"/> is one of <see cref="AllowedOrigins"/> (origins compare case-insensitively).</summary>
    public bool Allows(string origin) => AllowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins)
        {
            var valid = Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
                && !origin.EndsWith('/');
            if (!valid || origin == "*")
            {
                yield return new ValidationResult($"Cors:AllowedOrigins holds '{origin}', which is not an origin like https://app.contoso.com (no path, no wildcard).", [nameof(AllowedOrigins)]);
            }
        }
    }
}
