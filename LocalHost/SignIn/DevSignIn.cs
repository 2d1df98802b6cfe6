using System.Net;
using System.Security.Cryptography;
using Collab.LocalHost.Hosting;

namespace Collab.LocalHost.SignIn;

/// <summary>
/// Stands in for App Service Authentication: <c>/.auth/login</c> (choose a display name), <c>/.auth/me</c>,
/// <c>/.auth/logout</c>, and a middleware that strips any client-sent <c>X-MS-CLIENT-PRINCIPAL*</c> headers and sets
/// them from the sign-in cookie, as Easy Auth does. The functions have no dev-only code path.
/// </summary>
public static class DevSignIn
{
    private static readonly string[] PrincipalHeaders = ["X-MS-CLIENT-PRINCIPAL", "X-MS-CLIENT-PRINCIPAL-ID", "X-MS-CLIENT-PRINCIPAL-NAME", "X-MS-CLIENT-PRINCIPAL-IDP"];

    /// <summary>Adds the middleware and the <c>/.auth</c> endpoints; cookies are signed with a key made at start-up.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var key = RandomNumberGenerator.GetBytes(32);
        app.Use(async (context, next) =>
        {
            foreach (var header in PrincipalHeaders)
            {
                context.Request.Headers.Remove(header);
            }

            if (DevPrincipal.FromCookie(context.Request.Cookies[DevPrincipal.CookieName], key) is { } user)
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
        app.MapGet("/.auth/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(DevPrincipal.CookieName);
            return Results.Redirect("/");
        });
    }

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
