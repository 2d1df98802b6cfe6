using System.Text.Encodings.Web;
using System.Text.Json;

namespace Collab.Protocols.Jwt;

/// <summary>How token payloads are written.</summary>
public static class JwtJson
{
    /// <summary>
    /// Writes non-ASCII text as UTF-8, the way <c>JSON.stringify</c> in the reference SDKs does; the default encoder's
    /// HTML escaping buys nothing inside a base64url segment.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
