using System.Text.Json;
using Collab.Functions.Http;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Collab.Functions.Tests.Tokens;

/// <summary><c>GET /api/fluid/token</c>, the token-provider contract of shared/protocols/fluid-relay.md §6.</summary>
public sealed class FluidTokenFunctionTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Theory]
    [InlineData("?tenantId=collab-tests&documentId=doc-123&userId=alice-id&userName=Alice", "doc-123", "doc:read,doc:write,summary:write", "")]
    [InlineData("?tenantId=collab-tests&id=alice-id&name=Alice", "", "doc:read,doc:write,summary:write", "")]
    [InlineData("?tenantId=local&documentId=d&scopes=doc:read", "d", "doc:read", "")]
    [InlineData("?tenantId=collab-tests&documentId=d&additionalDetails=%7B%22email%22%3A%22a%40example.com%22%7D", "d", "doc:read,doc:write,summary:write", "{\"email\":\"a@example.com\"}")]
    [InlineData("?tenantId=collab-tests&documentId=d&additionalDetails%5Bemail%5D=a%40example.com", "d", "doc:read,doc:write,summary:write", "{\"email\":\"a@example.com\"}")]
    public async Task Token_HasExactlyTheClaimsOfGenerateToken(string query, string documentId, string scopes, string details)
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var request = app.Request("GET", "alice-id", query: query, name: "Alice");

        var result = await app.Function<FluidTokenFunction>().Run(request);

        var (status, headers, token) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.StartsWith("text/plain", headers.ContentType.ToString());
        Assert.Equal(3, token.Split('.').Length);
        var tenant = QueryHelpers(query)["tenantId"];
        await NodeScript.AssertPassesAsync("tokens.mjs", new Dictionary<string, string>
        {
            ["FLUID_TOKEN"] = token,
            ["FLUID_KEY"] = CollabApp.FluidTenantKey,
            ["TENANT_ID"] = tenant,
            ["DOCUMENT_ID"] = documentId,
            ["USER_ID"] = "alice-id",
            ["USER_NAME"] = "Alice",
            ["SCOPES"] = scopes,
            ["ADDITIONAL_DETAILS"] = details,
        }, "fluidToken");
    }

    [Fact]
    public async Task Token_LivesAtMostAnHour_WithAFreshJti()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));

        var first = JwtPayload.Claims(await IssueAsync(app, "?tenantId=collab-tests&documentId=d"));
        var second = JwtPayload.Claims(await IssueAsync(app, "?tenantId=collab-tests&documentId=d"));

        Assert.Equal(3600, first.GetProperty("exp").GetInt64() - first.GetProperty("iat").GetInt64());
        Assert.Equal("1.0", first.GetProperty("ver").GetString());
        Assert.NotEqual(first.GetProperty("jti").GetString(), second.GetProperty("jti").GetString());
        Assert.Equal("alice-id", first.GetProperty("user").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("alice-id", "?documentId=d", 400, "invalid-request")]
    [InlineData("alice-id", "?tenantId=someone-else&documentId=d", 404, "unknown-tenant")]
    [InlineData("alice-id", "?tenantId=collab-tests&userId=bob-id", 403, "forbidden")]
    [InlineData("alice-id", "?tenantId=collab-tests&id=bob-id", 403, "forbidden")]
    [InlineData("alice-id", "?tenantId=collab-tests&scopes=doc:admin", 400, "invalid-request")]
    [InlineData("alice-id", "?tenantId=collab-tests&additionalDetails=%5B1%5D", 400, "invalid-request")]
    [InlineData("alice-id", "?tenantId=collab-tests&tenantId=other", 400, "invalid-request")]
    [InlineData(null, "?tenantId=collab-tests&userId=alice-id&userName=Alice", 401, "unauthenticated")]
    public async Task BadRequests_GetTheirProblemAndNoToken(string? user, string query, int status, string kind)
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var request = app.Request("GET", user, query: query);

        var result = await app.Function<FluidTokenFunction>().Run(request);

        var (actual, headers, body) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(status, actual);
        Assert.StartsWith("application/problem+json", headers.ContentType.ToString());
        Assert.Contains("urn:collab:problem:" + kind, body);
        Assert.DoesNotContain("eyJ", body);
    }

    [Fact]
    public async Task LocalTenant_IsRefusedUnlessConfigured()
    {
        var settings = CollabApp.Settings(emulators);
        settings["FluidRelay:AllowLocalTenant"] = "false";
        await using var app = CollabApp.Start(settings);

        var result = await app.Function<FluidTokenFunction>().Run(app.Request("GET", "alice-id", query: "?tenantId=local"));

        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsType<ProblemResult>(result).StatusCode);
    }

    private static async Task<string> IssueAsync(CollabApp app, string query)
    {
        var result = await app.Function<FluidTokenFunction>().Run(app.Request("GET", "alice-id", query: query, name: "Alice"));
        return Assert.IsType<ContentResult>(result).Content!;
    }

    private static Dictionary<string, string> QueryHelpers(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
