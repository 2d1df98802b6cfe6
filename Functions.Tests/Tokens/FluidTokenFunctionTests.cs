using System.Net;
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

        var token = await FluidTokenAsync(alice, WithAlice(query));

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

        var first = JwtPayload.Claims(await FluidTokenAsync(alice, "?tenantId=collab-tests&documentId=d"));
        var second = JwtPayload.Claims(await FluidTokenAsync(alice, "?tenantId=collab-tests&documentId=d"));

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
        using var client = user is null ? fixture.Stack.Anonymous() : await fixture.Stack.SignInAsync(user);

        using var response = await client.GetAsync("api/fluid/token" + WithAlice(query));

        var body = await AssertProblemAsync(response, (HttpStatusCode)status, kind);
        Assert.DoesNotContain("eyJ", body);
    }

    [Fact]
    public async Task LocalTenant_IsRefusedUnlessConfigured()
    {
        await using var stack = await LocalStack.StartAsync(fixture.Emulators, settings => settings["FluidRelay:AllowLocalTenant"] = "false");
        using var alice = await stack.SignInAsync(Alice);

        using var response = await alice.GetAsync("api/fluid/token?tenantId=local");

        var body = await AssertProblemAsync(response, HttpStatusCode.NotFound, "unknown-tenant");
        Assert.DoesNotContain("eyJ", body);
    }

    private static string WithAlice(string query) => query.Replace("{alice}", LocalStack.UserIdOf(Alice), StringComparison.Ordinal);

    private static Dictionary<string, string> QueryHelpers(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
