using System.Net;
using System.Text.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.LocalHost.Hosting;
using Collab.Testing;

namespace Collab.Functions.Tests.LocalHost;

/// <summary>
/// The local host's own front door as a browser meets it: the dev sign-in sends a user back only to a path of this
/// site, the host answers only the host names it is known by (DNS rebinding), and the web app and sign-in page are
/// served with the headers <c>web/staticwebapp.config.json</c> gives them on Azure Static Web Apps.
/// </summary>
public sealed class DevSignInSecurityTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private LocalStack Stack => fixture.Stack;

    [Theory]
    [InlineData("/#/board/b1", "/#/board/b1")]
    [InlineData("/boards?x=1", "/boards?x=1")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("\\\\evil.example", "/")]
    [InlineData("/a\\b", "/")]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("/\n/evil.example", "/")]
    [InlineData("/ /evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("/é", "/")]
    [InlineData("", "/")]
    public async Task SignIn_RedirectsOnlyToAPathOfThisSite(string redirect, string location)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Stack.BaseAddress };

        using var response = await http.PostAsync("/.auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "Alice", ["redirect"] = redirect }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/.auth/login")]
    [InlineData("/.auth/me")]
    [InlineData("/")]
    [InlineData("/api/health")]
    public async Task ARequestNamingAnotherHost_Is400_Everywhere(string path)
    {
        using var http = Stack.Anonymous();
        using var rebound = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = "evil.example:" + Stack.BaseAddress.Port } };
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/.auth/login/dev")
        {
            Headers = { Host = "evil.example" },
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "Mallory" }),
        };

        using var refused = await http.SendAsync(rebound);
        using var refusedSignIn = await http.SendAsync(signIn);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refusedSignIn.StatusCode);
        Assert.False(refusedSignIn.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("LocalHost")]
    public async Task TheLoopbackNames_AreAnswered(string host)
    {
        using var http = Stack.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/health") { Headers = { Host = $"{host}:{Stack.BaseAddress.Port}" } };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/app.js")]
    [InlineData("/styles.css")]
    [InlineData("/.auth/login")]
    public async Task TheWebApp_IsServedWithTheStaticWebAppsHeaders(string path)
    {
        using var http = Stack.Anonymous();

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = StaticWebAppHeaders();
        Assert.Equal(["Content-Security-Policy", "X-Content-Type-Options"], expected.Keys.Order(StringComparer.Ordinal));

        // Exactly one difference: locally the page may also reach the ACS emulator's https origin on localhost; the
        // production policy must not (any local service would be reachable from the deployed app).
        Assert.DoesNotContain("localhost", expected["Content-Security-Policy"], StringComparison.Ordinal);
        expected["Content-Security-Policy"] = expected["Content-Security-Policy"].Replace(
            "https://*.communication.azure.com;", "https://*.communication.azure.com https://localhost:*;", StringComparison.Ordinal);
        foreach (var (name, value) in expected)
        {
            Assert.Equal([value], response.Headers.GetValues(name));
        }

        // No inline or remote script: injected markup cannot run any.
        Assert.Contains("script-src 'self';", WebAppHeaders.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe-inline", WebAppHeaders.ContentSecurityPolicy.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)));
    }

    private static Dictionary<string, string> StaticWebAppHeaders()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "web", "staticwebapp.config.json")));
        return config.RootElement.GetProperty("globalHeaders").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!);
    }
}
