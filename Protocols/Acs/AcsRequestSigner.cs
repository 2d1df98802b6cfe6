namespace Collab.Protocols.Acs;

/// <summary>Adds the ACS HMAC authentication headers to an outgoing request (shared/protocols/acs-identity.md §8).</summary>
public static class AcsRequestSigner
{
    /// <summary>
    /// Sets <c>x-ms-date</c>, <c>x-ms-content-sha256</c> and <c>Authorization</c>. The signed path is the request URI's
    /// percent-encoded path and query, exactly as sent, and the signed host is <c>host[:port]</c> with the port only
    /// when it is not the scheme's default, which is what <see cref="Uri.Authority"/> gives and what HttpClient sends.
    /// </summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ReadOnlySpan<byte> key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var date = AcsHmacSignature.FormatDate(now);
        var hash = AcsHmacSignature.ContentHash(body);
        var signature = AcsHmacSignature.Sign(key, AcsHmacSignature.StringToSign(request.Method.Method, uri.PathAndQuery, date, uri.Authority, hash));
        request.Headers.Remove("x-ms-date");
        request.Headers.Remove("x-ms-content-sha256");
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization", AcsHmacSignature.AuthorizationHeader(signature));
    }
}
