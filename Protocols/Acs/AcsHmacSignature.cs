using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Collab.Protocols.Acs;

/// <summary>
/// The HMAC-SHA256 request signature of Azure Communication Services (shared/protocols/acs-identity.md §8):
/// <c>VERB\npath-and-query\nx-ms-date;host;x-ms-content-sha256</c>, signed with the base64-decoded access key.
/// </summary>
public static class AcsHmacSignature
{
    /// <summary>The header list every current SDK signs.</summary>
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    /// <summary>Base64 SHA-256 of the raw body bytes, the <c>x-ms-content-sha256</c> header.</summary>
    public static string ContentHash(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    /// <summary>The RFC 1123 form of <paramref name="time"/> used in <c>x-ms-date</c>.</summary>
    public static string FormatDate(DateTimeOffset time) => time.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    /// <summary>The string to sign, with the header values in <see cref="SignedHeaders"/> order.</summary>
    public static string StringToSign(string method, string pathAndQuery, string date, string host, string contentHash) =>
        method.ToUpperInvariant() + "\n" + pathAndQuery + "\n" + date + ";" + host + ";" + contentHash;

    /// <summary>Base64 HMAC-SHA256 of <paramref name="stringToSign"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> key, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>The <c>Authorization</c> header value for a signature.</summary>
    public static string AuthorizationHeader(string signature) => $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={signature}";

    /// <summary>
    /// Splits <c>HMAC-SHA256 SignedHeaders=a;b;c&amp;Signature=xyz</c>.
    /// </summary>
    /// <returns><see langword="false"/> when the header is not in that shape.</returns>
    public static bool TryParseAuthorization(string? header, out string[] signedHeaders, out string signature)
    {
        signedHeaders = [];
        signature = "";
        const string Scheme = "HMAC-SHA256 ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var pair in header[Scheme.Length..].Trim().Split('&'))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            var name = pair[..equals];
            var value = pair[(equals + 1)..];
            if (name.Equals("SignedHeaders", StringComparison.OrdinalIgnoreCase))
            {
                signedHeaders = value.Split(';', StringSplitOptions.RemoveEmptyEntries);
            }
            else if (name.Equals("Signature", StringComparison.OrdinalIgnoreCase))
            {
                signature = value;
            }
        }

        return signedHeaders.Length == 3 && signature.Length > 0;
    }
}
