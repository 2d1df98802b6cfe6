using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Mcp;

/// <summary>
/// The <c>WWW-Authenticate</c> challenge of a 401 (RFC 6750, RFC 9728 §5.1), as the MCP authorization spec asks of a
/// protected resource: <c>Bearer resource_metadata="{origin}/.well-known/oauth-protected-resource"</c>, the document
/// from which a client learns how to get a token (served by App Service Authentication on Azure, by the local host's
/// sign-in locally).
/// </summary>
public static class BearerChallenge
{
    /// <summary>The path of the protected-resource metadata.</summary>
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    /// <summary>The challenge for a request to this app.</summary>
    public static string For(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Behind App Service's front end TLS ends before the worker, which then sees http; the front end says so.
        var forwarded = request.Headers["X-Forwarded-Proto"].ToString().Split(',')[0].Trim();
        var scheme = forwarded is "https" or "http" ? forwarded : request.Scheme;
        return $"Bearer resource_metadata=\"{scheme}://{request.Host.Value}{MetadataPath}\"";
    }
}
