using System.Net;
using System.Net.Http.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using static Collab.Functions.Tests.Infrastructure.TokenRequests;

namespace Collab.Functions.Tests.Tokens;

/// <summary>
/// <c>GET /api/fluid/token</c>, the token-provider contract of shared/protocols/fluid-relay.md §6, over HTTP through
/// the local host and the real worker. Fluid tokens leave no state, so the tests share one stack and one user.
/// </summary>
public sealed class FluidTokenFunctionTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    /// <summary>The display name the caller signs in with; <c>{alice}</c> in a query stands for the id the dev sign-in gives her.</summary>
    private const string Alice = "Alice";

    [Theory]
    [InlineData("?tenantId=collab-tests&documentId=doc-123&userId={alice}&userName=Alice", "doc-123", "doc:read,doc:write,summary:write", "")]
    [InlineData("?tenantId=collab-tests&id={alice}&name=Alice", "", "doc:read,doc:write,summary:write", "")]
    [InlineData("?tenantId=local&documentId=d&scopes=doc:read", "d", "doc:read", "")]
    [InlineData("?tenantId=collab-tests&documentId=d&additionalDetails=%7B%22email%22%3A%22a%40example.com%22%7D", "d", "doc:read,doc:write,summary:write", "{\"email\":\"a@example.com\"}")]
    [InlineData("?tenantId=collab-tests&documentId=d&additionalDetails%5Bemail%5D=a%40example.com", "d", "doc:read,doc:write,summary:write", "{\"email\":\"a@example.com\"}")]
    public async Task Token_HasExactlyTheClaimsOfGenerateToken(string query, string documentId, string scopes, string details)
    {
        using var alice = await fixture.Stack.SignInAsync(Alice);
        var boardId = await BoardWithContainerAsync(alice, documentId);

        var token = await FluidTokenAsync(alice, WithAlice(query) + "&boardId=" + boardId);

        Assert.Equal(3, token.Split('.').Length);
        var tenant = QueryHelpers(query)["tenantId"];
        await NodeScript.AssertPassesAsync("tokens.mjs", new Dictionary<string, string>
        {
            ["FLUID_TOKEN"] = token,
            ["FLUID_KEY"] = CollabApp.FluidTenantKey,
            ["TENANT_ID"] = tenant,
            ["DOCUMENT_ID"] = documentId,
            ["USER_ID"] = LocalStack.UserIdOf(Alice),
            ["USER_NAME"] = Alice,
            ["SCOPES"] = scopes,
            ["ADDITIONAL_DETAILS"] = details,
        }, "fluidToken");
    }

    [Fact]
    public async Task Token_LivesAtMostAnHour_WithAFreshJti()
    {
        using var alice = await fixture.Stack.SignInAsync(Alice);
        var boardId = await BoardWithContainerAsync(alice, "d");

        var first = JwtPayload.Claims(await FluidTokenAsync(alice, "?tenantId=collab-tests&documentId=d&boardId=" + boardId));
        var second = JwtPayload.Claims(await FluidTokenAsync(alice, "?tenantId=collab-tests&documentId=d&boardId=" + boardId));

        Assert.Equal(3600, first.GetProperty("exp").GetInt64() - first.GetProperty("iat").GetInt64());
        Assert.Equal("1.0", first.GetProperty("ver").GetString());
        Assert.NotEqual(first.GetProperty("jti").GetString(), second.GetProperty("jti").GetString());
        Assert.Equal(LocalStack.UserIdOf(Alice), first.GetProperty("user").GetProperty("id").GetString());
    }

    // A null user is a caller who is not signed in.
    [Theory]
    [InlineData(Alice, "?documentId=d", 400, "invalid-request")]
    [InlineData(Alice, "?tenantId=someone-else&documentId=d", 404, "unknown-tenant")]
    [InlineData(Alice, "?tenantId=collab-tests&userId=bob-id", 403, "forbidden")]
    [InlineData(Alice, "?tenantId=collab-tests&id=bob-id", 403, "forbidden")]
    [InlineData(Alice, "?tenantId=collab-tests&scopes=doc:admin", 400, "invalid-request")]
    [InlineData(Alice, "?tenantId=collab-tests&additionalDetails=%5B1%5D", 400, "invalid-request")]
    [InlineData(Alice, "?tenantId=collab-tests&tenantId=other", 400, "invalid-request")]
    [InlineData(null, "?tenantId=collab-tests&userId={alice}&userName=Alice", 401, "unauthenticated")]
    public async Task BadRequests_GetTheirProblemAndNoToken(string? user, string query, int status, string kind)
    {
        using var owner = await fixture.Stack.SignInAsync(Alice);
        var boardId = await BoardWithContainerAsync(owner, "d");
        using var client = user is null ? fixture.Stack.Anonymous() : await fixture.Stack.SignInAsync(user);

        using var response = await client.GetAsync("api/fluid/token" + WithAlice(query) + "&boardId=" + boardId);

        var body = await AssertProblemAsync(response, (HttpStatusCode)status, kind);
        Assert.DoesNotContain("eyJ", body);
    }

    [Fact]
    public async Task LocalTenant_IsRefusedUnlessConfigured()
    {
        await using var stack = await LocalStack.StartAsync(fixture.Emulators, settings => settings["FluidRelay:AllowLocalTenant"] = "false");
        using var alice = await stack.SignInAsync(Alice);
        var boardId = await BoardApi.CreateAsync(alice);

        using var response = await alice.GetAsync("api/fluid/token?tenantId=local&boardId=" + boardId);

        var body = await AssertProblemAsync(response, HttpStatusCode.NotFound, "unknown-tenant");
        Assert.DoesNotContain("eyJ", body);
    }

    /// <summary>
    /// A token is for one board the caller may open, and for the container recorded on it; without a documentId it is
    /// for creating that container, which only owners and editors may; a viewer reads only.
    /// </summary>
    [Fact]
    public async Task TokensAreTiedToABoardAndItsContainer_AndAViewersOnlyReads()
    {
        using var alice = await fixture.Stack.SignInAsync(Alice);
        var viewerName = BoardApi.NewUser("viewer");
        using var viewer = await fixture.Stack.SignInAsync(viewerName);
        using var stranger = await fixture.Stack.SignInAsync(BoardApi.NewUser("stranger"));
        var boardId = BoardApi.NewBoardId();
        using (var created = await alice.PutAsJsonAsync($"api/boards/{boardId}", new { title = "t", visibility = "private", members = new[] { new { userId = LocalStack.UserIdOf(viewerName), role = "viewer" } } }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await AssertProblemAsync(await viewer.PutAsJsonAsync($"api/boards/{boardId}/fluid", new { containerId = "c1" }), HttpStatusCode.Forbidden, "forbidden");
        using (var recorded = await alice.PutAsJsonAsync($"api/boards/{boardId}/fluid", new { containerId = "c1" }))
        {
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        }

        await AssertProblemAsync(await alice.PutAsJsonAsync($"api/boards/{boardId}/fluid", new { containerId = "c2" }), HttpStatusCode.Conflict, "conflict");
        var query = $"api/fluid/token?tenantId=collab-tests&boardId={boardId}";

        await AssertProblemAsync(await alice.GetAsync("api/fluid/token?tenantId=collab-tests&documentId=c1"), HttpStatusCode.BadRequest, "invalid-request");
        await AssertProblemAsync(await alice.GetAsync($"api/fluid/token?tenantId=collab-tests&documentId=c1&boardId={BoardApi.NewBoardId()}"), HttpStatusCode.NotFound, "board-not-found");
        await AssertProblemAsync(await stranger.GetAsync(query + "&documentId=c1"), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(await alice.GetAsync(query + "&documentId=someone-elses"), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(await viewer.GetAsync(query), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(await viewer.GetAsync(query + "&documentId=c1&scopes=doc:write"), HttpStatusCode.BadRequest, "invalid-request");
        var viewerClaims = JwtPayload.Claims(await FluidTokenAsync(viewer, query.Replace("api/fluid/token", "", StringComparison.Ordinal) + "&documentId=c1"));
        var ownerClaims = JwtPayload.Claims(await FluidTokenAsync(alice, query.Replace("api/fluid/token", "", StringComparison.Ordinal) + "&documentId=c1"));
        Assert.Equal(["doc:read"], viewerClaims.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("c1", viewerClaims.GetProperty("documentId").GetString());
        Assert.Contains("doc:write", ownerClaims.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
    }

    /// <summary>A board of Alice's with <paramref name="containerId"/> recorded on it (none when empty).</summary>
    private static async Task<string> BoardWithContainerAsync(HttpClient alice, string containerId)
    {
        var boardId = await BoardApi.CreateAsync(alice);
        if (containerId.Length > 0)
        {
            using var recorded = await alice.PutAsJsonAsync($"api/boards/{boardId}/fluid", new { containerId });
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        }

        return boardId;
    }

    private static string WithAlice(string query) => query.Replace("{alice}", LocalStack.UserIdOf(Alice), StringComparison.Ordinal);

    private static Dictionary<string, string> QueryHelpers(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
