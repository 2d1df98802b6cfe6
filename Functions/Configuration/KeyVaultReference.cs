using System.ComponentModel.DataAnnotations;

namespace Collab.Functions.Configuration;

/// <summary>
/// App Service leaves an unresolvable Key Vault reference in place as the literal <c>@Microsoft.KeyVault(...)</c>
/// text, so every secret-bearing setting is checked for it before it is parsed.
/// </summary>
internal static class KeyVaultReference
{
    private const string Prefix = "@Microsoft.KeyVault(";

    /// <summary>Yields a validation error when <paramref name="value"/> is an unresolved reference.</summary>
    public static IEnumerable<ValidationResult> CheckResolved(string? value, string settingName)
    {
        if (value is not null && value.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                $"{settingName} is an unresolved Key Vault reference: check the app's identity, its 'Key Vault Secrets User' role and the secret URI.",
                [settingName]);
        }
    }

    /// <summary>
    /// Validates a secret-bearing connection string: resolved from Key Vault, then accepted by <paramref name="parse"/>.
    /// An empty value is left to <c>[Required]</c>.
    /// </summary>
    public static IEnumerable<ValidationResult> CheckConnectionString(string? value, string settingName, Action<string> parse)
    {
        var unresolved = CheckResolved(value, settingName).ToList();
        if (unresolved.Count > 0 || string.IsNullOrEmpty(value))
        {
            return unresolved;
        }

        try
        {
            parse(value);
            return [];
        }
        catch (FormatException ex)
        {
            return [new ValidationResult($"{settingName} is invalid: {ex.Message}", [settingName])];
        }
    }
}
