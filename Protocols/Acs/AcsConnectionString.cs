using System.Text.RegularExpressions;

namespace Collab.Protocols.Acs;

/// <summary>
/// An ACS connection string, <c>endpoint=https://x.communication.azure.com/;accesskey=base64</c>, parsed as the
/// official SDKs do: case-insensitive, endpoint before accesskey, bare origin only (shared/protocols/acs-identity.md §9).
/// </summary>
public sealed partial record AcsConnectionString
{
    private AcsConnectionString(Uri endpoint, byte[] key)
    {
        Endpoint = endpoint;
        Key = key;
    }

    /// <summary>The resource origin, ending in <c>/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The HMAC key: the base64-decoded access key.</summary>
    public byte[] Key { get; }

    /// <summary>Parses and validates a connection string.</summary>
    /// <exception cref="FormatException">The string is malformed, the endpoint has a path, or the key is not base64.</exception>
    public static AcsConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var match = Pattern().Match(connectionString.Trim());
        if (!match.Success)
        {
            throw new FormatException("An ACS connection string must be 'endpoint=<url>;accesskey=<base64>'.");
        }

        if (!Uri.TryCreate(match.Groups[1].Value, UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
            || endpoint.AbsolutePath != "/")
        {
            throw new FormatException("The ACS endpoint must be a bare http(s) origin.");
        }

        try
        {
            return new AcsConnectionString(endpoint, Convert.FromBase64String(match.Groups[2].Value.TrimEnd(';')));
        }
        catch (FormatException)
        {
            throw new FormatException("The ACS access key is not valid base64.");
        }
    }

    [GeneratedRegex("^endpoint=(.*);accesskey=(.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
