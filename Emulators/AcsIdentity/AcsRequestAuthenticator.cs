using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Collab.Protocols.Acs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsIdentity;

/// <summary>
/// Verifies the HMAC-SHA256 signature of an ACS request against the raw, still-encoded request target, the date and
/// the content hash (shared/protocols/acs-identity.md §8.8).
/// </summary>
public sealed class AcsRequestAuthenticator(IOptions<AcsIdentityEmulatorOptions> options, TimeProvider time)
{
    /// <summary>Null when the request is authentic, else why it is not (for the log, never for the caller).</summary>
    public string? Verify(HttpRequest request, byte[] body)
    {
        if (!AcsHmacSignature.TryParseAuthorization(request.Headers.Authorization, out var signedHeaders, out var signature))
        {
            return "missing or malformed HMAC-SHA256 Authorization header";
        }

        var dateHeader = signedHeaders[0].ToLowerInvariant();
        if (dateHeader is not ("x-ms-date" or "date") || !signedHeaders[1].Equals("host", StringComparison.OrdinalIgnoreCase)
            || !signedHeaders[2].Equals("x-ms-content-sha256", StringComparison.OrdinalIgnoreCase))
        {
            return "unsupported SignedHeaders";
        }

        var date = request.Headers[dateHeader].ToString();
        if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent)
            || (time.GetUtcNow() - sent).Duration() > options.Value.MaxClockSkew)
        {
            return "date missing or outside the allowed clock skew";
        }

        var contentHash = request.Headers["x-ms-content-sha256"].ToString();
        if (!FixedTimeEquals(contentHash, AcsHmacSignature.ContentHash(body)))
        {
            return "x-ms-content-sha256 does not match the body";
        }

        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var host = request.Headers.Host.ToString();
        var key = Convert.FromBase64String(options.Value.AccessKey);
        var expected = AcsHmacSignature.Sign(key, AcsHmacSignature.StringToSign(request.Method, rawTarget, date, host, contentHash));
        if (FixedTimeEquals(signature, expected))
        {
            return null;
        }

        // Some intermediate SDK builds signed host:port:port (acs-identity.md §8.5); accept that form too.
        if (request.Host.Port is { } port)
        {
            var doubled = AcsHmacSignature.Sign(key, AcsHmacSignature.StringToSign(request.Method, rawTarget, date, host + ":" + port.ToString(CultureInfo.InvariantCulture), contentHash));
            if (FixedTimeEquals(signature, doubled))
            {
                return null;
            }
        }

        return "signature mismatch";
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
