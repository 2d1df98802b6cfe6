namespace Collab.LocalHost.Hosting;

/// <summary>
/// The headers of the web app and the dev sign-in page, the <c>globalHeaders</c> that <c>web/staticwebapp.config.json</c>
/// gives it on Azure Static Web Apps: no script but the app's own files (no inline or remote script, so injected
/// markup cannot run any), connections to the app's origin, to Web PubSub (<c>ws:</c> to the local emulator,
/// <c>wss:</c> to Azure) and to ACS chat over https (an Azure Communication Services resource, or the local ACS
/// emulator's https origin on localhost), images from the app and the ones it makes, and no framing by other sites.
/// The one difference from production: only here may the page reach <c>https://localhost:*</c>.
/// </summary>
public static class WebAppHeaders
{
    /// <summary>The web app's <c>Content-Security-Policy</c>.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss: https://*.communication.azure.com https://localhost:*; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Sets the headers on a response of the web app.</summary>
    public static void Apply(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
    }
}
