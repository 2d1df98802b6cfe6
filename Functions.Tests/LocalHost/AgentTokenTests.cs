using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.LocalHost.SignIn;
using Collab.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Collab.Functions.Tests.LocalHost;

/// <summary>
/// The local host's stand-in for App Service Authentication's MCP support (issue 18): a signed-in user's agent token
/// (<c>POST /.auth/agent-token</c>), the bearer token turned into the same <c>X-MS-CLIENT-PRINCIPAL*</c> headers the
/// sign-in cookie gives (the functions have no agent-only path), the 401 challenge of an invalid bearer token and the
/// protected-resource metadata it points at (RFC 9728 §3 and §5.1; RFC 6750 §3 for the challenge).
/// </summary>
public sealed class AgentTokenTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private LocalStack Stack => fixture.Stack;

    private string Origin => Stack.BaseAddress.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task AnAgentToken_NeedsTheSignInCookie_AndAPost()
    {
        using var anonymous = Stack.Anonymous();
        using var alice = await Stack.SignInAsync("agent-cookie-alice");
        var token = await TokenAsync(alice);
        using var bearerOnly = Stack.Anonymous();
        bearerOnly.DefaultRequestHeaders.Authorization = new("Bearer", token);

        using var noCookie = await anonymous.PostAsync("/.auth/agent-token", null);
        using var get = await alice.GetAsync("/.auth/agent-token");
        using var fromBearer = await bearerOnly.PostAsync("/.auth/agent-token", null);

        Assert.Equal(HttpStatusCode.Unauthorized, noCookie.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, fromBearer.StatusCode);
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task AnotherSitesPage_GetsNoToken(string header, string value)
    {
        using var alice = await Stack.SignInAsync("agent-csrf-alice");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/.auth/agent-token");
        request.Headers.Add(header, value);
        using var sameSite = new HttpRequestMessage(HttpMethod.Post, "/.auth/agent-token");
        sameSite.Headers.Add("Origin", Origin);
        sameSite.Headers.Add("Sec-Fetch-Site", "same-origin");

        using var refused = await alice.SendAsync(request);
        using var allowed = await alice.SendAsync(sameSite);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("eyJ", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("", 12 * 3600)]
    [InlineData("?hours=1", 3600)]
    [InlineData("?hours=0.5", 1800)]
    [InlineData("?hours=48", 12 * 3600)]
    public async Task TheToken_IsAnHs256JwtForTheUser_ForAtMost12Hours(string query, long seconds)
    {
        using var alice = await Stack.SignInAsync("agent-shape-alice");

        using var response = await alice.PostAsync("/.auth/agent-token" + query, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["expiresOn", "token"], body.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var token = body.RootElement.GetProperty("token").GetString()!;
        var parts = token.Split('.');
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var claims = payload.RootElement;
        Assert.Equal("HS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal(LocalStack.UserIdOf("agent-shape-alice"), claims.GetProperty("sub").GetString());
        Assert.Equal("agent-shape-alice", claims.GetProperty("name").GetString());
        Assert.Equal(Origin + "/api/mcp", claims.GetProperty("aud").GetString());
        Assert.Equal(32, claims.GetProperty("jti").GetString()!.Length);
        Assert.Equal(seconds, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64()), body.RootElement.GetProperty("expiresOn").GetDateTimeOffset());
        Assert.DoesNotContain(fixture.Logs.Entries, line => line.Contains(parts[2], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("?hours=0")]
    [InlineData("?hours=-1")]
    [InlineData("?hours=soon")]
    [InlineData("?hours=NaN")]
    public async Task ABadLifetime_Is400(string query)
    {
        using var alice = await Stack.SignInAsync("agent-hours-alice");

        using var response = await alice.PostAsync("/.auth/agent-token" + query, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>
    /// The bearer token gives the functions the user of the cookie it was made from: Alice's board is hers through it,
    /// and principal headers the client sends (naming Mallory) are stripped, as with the cookie.
    /// </summary>
    [Fact]
    public async Task ABearerToken_IsTheSamePrincipalAsTheCookie()
    {
        using var alice = await Stack.SignInAsync("agent-bearer-alice");
        var boardId = BoardApi.NewBoardId();
        using (var created = await alice.PutAsJsonAsync($"api/boards/{boardId}", new { title = "Agent's", visibility = "private", members = Array.Empty<object>() }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var agent = Stack.Anonymous();
        agent.DefaultRequestHeaders.Authorization = new("Bearer", await TokenAsync(alice));
        agent.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL-ID", LocalStack.UserIdOf("agent-bearer-mallory"));
        agent.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL-NAME", "agent-bearer-mallory");

        using var board = await agent.GetAsync($"api/boards/{boardId}");
        var boards = await agent.GetFromJsonAsync<JsonElement>("api/boards");

        Assert.Equal(HttpStatusCode.OK, board.StatusCode);
        Assert.Contains(boards.EnumerateArray(), b => b.GetProperty("boardId").GetString() == boardId && b.GetProperty("role").GetString() == "owner");
    }

    /// <summary>A bearer token that does not validate is refused by the host (never read as anonymous), with the RFC 9728 challenge.</summary>
    [Theory]
    [InlineData("tampered")]
    [InlineData("other-origin")]
    [InlineData("garbage")]
    [InlineData("foreign-key")]
    public async Task AnInvalidBearerToken_Is401_WithTheProtectedResourceChallenge(string kind)
    {
        using var alice = await Stack.SignInAsync("agent-invalid-alice");
        var token = await TokenAsync(alice);
        var parts = token.Split('.');
        var host = Stack.BaseAddress.Authority;
        var bad = kind switch
        {
            "tampered" => parts[0] + "." + Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes($$"""{"sub":"someone-else","name":"x","aud":"{{Origin}}/api/mcp","iat":1,"exp":4102444800}""")) + "." + parts[2],
            "garbage" => "not-a-token",
            "foreign-key" => new AgentTokens(new byte[32], TimeProvider.System).Issue(new DevPrincipal("dev-x", "x"), Origin, TimeSpan.FromHours(1)).Token,
            _ => token,
        };
        if (kind == "other-origin")
        {
            // The same host under another of its names: the token's audience is the origin that issued it.
            host = (Stack.BaseAddress.Host == "localhost" ? "127.0.0.1" : "localhost") + ":" + Stack.BaseAddress.Port;
        }

        using var http = Stack.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/boards") { Headers = { Host = host, Authorization = new("Bearer", bad) } };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer resource_metadata=\"http://{host}/.well-known/oauth-protected-resource\", error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }

    /// <summary>An expired token, one for another origin, and one claiming more than 12 hours are refused.</summary>
    [Fact]
    public void ATokenPastItsExpiry_OrLongerThan12Hours_DoesNotValidate()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var tokens = new AgentTokens(new byte[32], time);
        var user = new DevPrincipal("dev-1", "Alice");
        var (token, expiresOn) = tokens.Issue(user, "http://localhost:7071", TimeSpan.FromDays(3));

        Assert.Equal(time.GetUtcNow().AddHours(12), expiresOn);
        Assert.Equal(user, tokens.Validate(token, "http://localhost:7071"));
        Assert.Null(tokens.Validate(token, "http://127.0.0.1:7071"));
        time.Advance(TimeSpan.FromHours(12));
        Assert.Null(tokens.Validate(token, "http://localhost:7071"));
    }

    [Theory]
    [InlineData("/.well-known/oauth-protected-resource")]
    [InlineData("/.well-known/oauth-protected-resource/api/mcp")]
    public async Task TheProtectedResourceMetadata_NamesTheMcpEndpoint(string path)
    {
        using var http = Stack.Anonymous();

        var metadata = await http.GetFromJsonAsync<JsonElement>(path);

        Assert.Equal(Origin + "/api/mcp", metadata.GetProperty("resource").GetString());
        Assert.Equal([Origin], metadata.GetProperty("authorization_servers").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal([DevSignIn.AgentScope], metadata.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()));
    }

    /// <summary>
    /// The MCP scenarios (conformance/mcp.mjs, the unmodified @modelcontextprotocol/sdk client) with agent tokens as
    /// the only credential: the owner's agent draws and is seen live, the viewer's is refused writes, the stranger's
    /// learns nothing, and a session id opens only for its own user.
    /// </summary>
    [Theory]
    [InlineData("owner")]
    [InlineData("viewer")]
    [InlineData("stranger")]
    [InlineData("unauthenticated")]
    public async Task TheUnmodifiedMcpClient_WorksWithAgentTokens(string scenario)
    {
        var (owner, viewer, stranger) = (BoardApi.NewUser("owner"), BoardApi.NewUser("viewer"), BoardApi.NewUser("stranger"));
        using var ownerClient = await Stack.SignInAsync(owner);
        using var viewerClient = await Stack.SignInAsync(viewer);
        using var strangerClient = await Stack.SignInAsync(stranger);
        var boardId = BoardApi.NewBoardId();
        using (var created = await ownerClient.PutAsJsonAsync($"api/boards/{boardId}", new
        {
            title = "Agents",
            visibility = "private",
            members = new[] { new { userId = LocalStack.UserIdOf(viewer), role = "viewer" } },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await NodeScript.AssertPassesAsync("mcp.mjs", new Dictionary<string, string>
        {
            ["BASE_URL"] = Origin,
            ["BOARD_ID"] = boardId,
            ["OWNER_ID"] = LocalStack.UserIdOf(owner),
            ["OWNER_AUTH"] = "Bearer " + await TokenAsync(ownerClient),
            ["VIEWER_AUTH"] = "Bearer " + await TokenAsync(viewerClient),
            ["STRANGER_AUTH"] = "Bearer " + await TokenAsync(strangerClient),
        }, scenario);
    }

    private static async Task<string> TokenAsync(HttpClient signedIn)
    {
        using var response = await signedIn.PostAsync("/.auth/agent-token", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
