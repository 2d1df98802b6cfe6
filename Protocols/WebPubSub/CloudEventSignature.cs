using System.Security.Cryptography;
using System.Text;

namespace Collab.Protocols.WebPubSub;

/// <summary>
/// The <c>ce-signature</c> header of Web PubSub upstream requests:
/// <c>sha256=hex(HMAC-SHA256(UTF-8 access key, UTF-8 connection id))</c>, one entry per access key
/// (shared/protocols/web-pubsub.md §4.3).
/// </summary>
public static class CloudEventSignature
{
    /// <summary>Builds the header value, one comma-separated entry per key, in lower-case hex.</summary>
    public static string Create(string connectionId, IEnumerable<string> accessKeys)
    {
        ArgumentNullException.ThrowIfNull(accessKeys);
        return string.Join(',', accessKeys.Select(key => "sha256=" + Hash(key, connectionId)));
    }

    /// <summary>
    /// True when any entry of <paramref name="header"/> matches any of <paramref name="accessKeys"/>.
    /// Hex is compared case-insensitively because the service's case is not documented.
    /// </summary>
    public static bool IsValid(string? header, string? connectionId, IEnumerable<string> accessKeys)
    {
        ArgumentNullException.ThrowIfNull(accessKeys);
        if (string.IsNullOrEmpty(header) || string.IsNullOrEmpty(connectionId))
        {
            return false;
        }

        var expected = accessKeys.Where(k => !string.IsNullOrEmpty(k)).Select(k => Encoding.ASCII.GetBytes(Hash(k, connectionId))).ToList();
        foreach (var entry in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var candidate = Encoding.ASCII.GetBytes(entry["sha256=".Length..].ToLowerInvariant());
            if (expected.Any(e => CryptographicOperations.FixedTimeEquals(e, candidate)))
            {
                return true;
            }
        }

        return false;
    }

    private static string Hash(string accessKey, string connectionId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.UTF8.GetBytes(connectionId)));
}
