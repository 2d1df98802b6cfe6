using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Collab.LocalHost.Hosting;

namespace Collab.LocalHost.SignIn;

/// <summary>
/// Stands in for App Service Authentication: <c>/.auth/login</c> (choose a display name), <c>/.auth/me</c>,
/// <c>/.auth/logout</c>, and a middleware that strips any client-sent <c>X-MS-CLIENT-PRINCIPAL*</c> headers and sets
/// them from the sign-in cookie, as Easy Auth does. For AI agents (MCP clients), <c>POST /.auth/agent-token</c> gives
/// the signed-in user a bearer token (<see cref="AgentTokens"/>) that the middleware turns into the same headers, as
/// Easy Auth does with an Entra bearer token, and <c>/.well-known/oauth-protected-resource</c> says so (RFC 9728).
/// The functions have no dev-only or agent-only code path.
/// </summary>
public static class DevSignIn
{
    private static readonly string[] PrincipalHeaders = ["X-MS-CLIENT-PRINCIPAL", "X-MS-CLIENT-PRINCIPAL-ID", "X-MS-CLIENT-PRINCIPAL-NAME", "X-MS-CLIENT-PRINCIPAL-IDP"];

    /// <summary>Adds the middleware and the <c>/.auth</c> endpoints; cookies are signed with a key made at start-up.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var key = RandomNumberGenerator.GetBytes(32);
        var agentTokens = new AgentTokens(key, app.Services.GetRequiredService<TimeProvider>());
        app.Use(async (context, next) =>
        {
            foreach (var header in PrincipalHeaders)
            {
                context.Request.Headers.Remove(header);
            }

            var user = DevPrincipal.FromCookie(context.Request.Cookies[DevPrincipal.CookieName], key);
            if (BearerToken(context.Request) is { } bearer)
            {
                // As Easy Auth: a bearer token that does not validate is refused outright, never read as anonymous.
                if (agentTokens.Validate(bearer, OriginOf(context.Request)) is not { } agent)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = $"Bearer resource_metadata=\"{OriginOf(context.Request)}{ProtectedResourcePath}\", error=\"invalid_token\"";
                    context.Response.Headers.CacheControl = "no-store";
                    return;
                }

                // The token is the credential for this request only: the functions read the principal headers.
                context.Request.Headers.Authorization = default;
                user = agent;
            }

            if (user is not null)
            {
                context.Request.Headers["X-MS-CLIENT-PRINCIPAL"] = user.ToClientPrincipal();
                context.Request.Headers["X-MS-CLIENT-PRINCIPAL-ID"] = user.UserId;
                context.Request.Headers["X-MS-CLIENT-PRINCIPAL-NAME"] = user.Name;
                context.Request.Headers["X-MS-CLIENT-PRINCIPAL-IDP"] = DevPrincipal.Provider;
            }

            await next(context);
        });

        app.MapGet("/.auth/login", (HttpContext context) =>
        {
            WebAppHeaders.Apply(context.Response);
            return Results.Content(LoginPage(context.Request.Query["post_login_redirect_uri"].ToString()), "text/html; charset=utf-8");
        });
        app.MapPost("/.auth/login/dev", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            var name = form["name"].ToString().Trim();
            if (name.Length is 0 or > 64 || name.Any(char.IsControl))
            {
                WebAppHeaders.Apply(context.Response);
                return Results.Content(LoginPage(form["redirect"].ToString(), "Choose a display name of 1 to 64 characters."), "text/html; charset=utf-8", statusCode: 400);
            }

            context.Response.Cookies.Append(DevPrincipal.CookieName, DevPrincipal.ForName(name).ToCookie(key), new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/" });
            return Results.Redirect(SameSitePath(form["redirect"].ToString()));
        });
        app.MapGet("/.auth/me", (HttpRequest request) =>
            DevPrincipal.FromCookie(request.Cookies[DevPrincipal.CookieName], key) is { } user
                ? Results.Json(new[] { new { provider_name = DevPrincipal.Provider, user_id = user.UserId, user_claims = new[] { new { typ = "name", val = user.Name } } } })
                : Results.Json(Array.Empty<object>()));
        app.MapPost("/.auth/agent-token", (HttpContext context) => IssueAgentToken(context, key, agentTokens));
        app.MapGet(ProtectedResourcePath, ProtectedResourceMetadata);
        app.MapGet(ProtectedResourcePath + "/api/mcp", ProtectedResourceMetadata);
        app.MapGet("/.auth/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(DevPrincipal.CookieName);
            return Results.Redirect("/");
        });
    }

    /// <summary>The RFC 9728 metadata path, as App Service Authentication serves it for an MCP server.</summary>
    public const string ProtectedResourcePath = "/.well-known/oauth-protected-resource";

    /// <summary>
    /// The scope the metadata names: the one App Service creates with its Entra registration
    /// (<c>api://{client-id}/user_impersonation</c>, given to Easy Auth in <c>WEBSITE_AUTH_PRM_DEFAULT_WITH_SCOPES</c>).
    /// A local agent token acts with all of the user's rights, as that scope does.
    /// </summary>
    public const string AgentScope = "user_impersonation";

    /// <summary>
    /// <c>POST /.auth/agent-token[?hours=n]</c>: <c>{ token, expiresOn }</c> for the user of the sign-in cookie (401
    /// without one; a bearer token cannot mint another). Cross-site requests are refused (403) by <c>Origin</c> and
    /// <c>Sec-Fetch-Site</c>, and the cookie is <c>SameSite=Lax</c>, so another site's page cannot get a token.
    /// </summary>
    private static IResult IssueAgentToken(HttpContext context, byte[] key, AgentTokens tokens)
    {
        var request = context.Request;
        context.Response.Headers.CacheControl = "no-store";
        var origin = OriginOf(request);
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if ((request.Headers.Origin.Count > 0 && !string.Equals(request.Headers.Origin.ToString(), origin, StringComparison.OrdinalIgnoreCase))
            || fetchSite is not ("" or "same-origin" or "none"))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request", detail: "An agent token is given only to this site's own pages.");
        }

        if (DevPrincipal.FromCookie(request.Cookies[DevPrincipal.CookieName], key) is not { } user)
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in required", detail: "Sign in at /.auth/login first: an agent token acts as a signed-in user.");
        }

        var lifetime = AgentTokens.MaxLifetime;
        if (request.Query["hours"] is { Count: > 0 } hours)
        {
            if (!double.TryParse(hours.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var h) || !double.IsFinite(h) || h <= 0)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: "hours must be a positive number (at most 12 are given).");
            }

            lifetime = TimeSpan.FromHours(Math.Min(h, AgentTokens.MaxLifetime.TotalHours));
        }

        var (token, expiresOn) = tokens.Issue(user, origin, lifetime);
        return Results.Json(new { token, expiresOn });
    }

    /// <summary>The protected-resource metadata of the MCP endpoint (RFC 9728 §3), as Easy Auth publishes it on Azure.</summary>
    private static IResult ProtectedResourceMetadata(HttpRequest request)
    {
        var origin = OriginOf(request);
        return Results.Json(new
        {
            resource = AgentTokens.ResourceOf(origin),
            authorization_servers = new[] { origin },
            bearer_methods_supported = new[] { "header" },
            scopes_supported = new[] { AgentScope },
            resource_name = "Collab (local)",
            resource_documentation = origin + "/",
        });
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header (scheme case-insensitive, RFC 6750 §2.1), or null.</summary>
    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    private static string OriginOf(HttpRequest request) => $"{request.Scheme}://{request.Host.Value}";

    /// <summary>
    /// <paramref name="redirect"/> when it is a path on this site, else <c>/</c>. Browsers take <c>//host</c> and
    /// <c>/\host</c> for another site, turn a backslash into a slash and drop tabs and newlines, so only a path of
    /// printable ASCII without backslashes, starting with one slash, is followed.
    /// </summary>
    private static string SameSitePath(string redirect) =>
        redirect.StartsWith('/') && !redirect.StartsWith("//", StringComparison.Ordinal) && redirect.All(c => c is > ' ' and < '\x7F' and not '\\')
            ? redirect
            : "/";

    private static string LoginPage(string redirect, string error = "") => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Sign in · Collab (local)</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;height:100vh;margin:0;background:#f4f6fb}
        form{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 4px 24px #0002;display:grid;gap:.75rem;min-width:18rem}
        input,button{font:inherit;padding:.6rem;border-radius:8px;border:1px solid #ccd}button{background:#2f6fed;color:#fff;border:0;cursor:pointer}
        .error{color:#b00020}</style></head>
        <body><form method="post" action="/.auth/login/dev">
        <h1>Collab</h1><p>Local dev sign-in: choose a display name. On Azure, App Service Authentication signs you in instead.</p>
        <p class="error">{{WebUtility.HtmlEncode(error)}}</p>
        <input name="name" placeholder="Your name" autofocus required maxlength="64" aria-label="Display name">
        <input type="hidden" name="redirect" value="{{WebUtility.HtmlEncode(redirect)}}">
        <button type="submit">Sign in</button></form></body></html>
        """;
}
