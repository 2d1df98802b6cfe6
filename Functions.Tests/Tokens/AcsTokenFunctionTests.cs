using System.Text.Json;
using Azure.Storage.Blobs;
using Collab.Functions.Http;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Tokens;

/// <summary>
/// <c>POST /api/acs/token</c> and <c>DELETE /api/acs/identity</c> end to end: the ACS identity emulator
/// (shared/protocols/acs-identity.md) and the mapping in Azurite.
/// </summary>
public sealed class AcsTokenFunctionTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task FirstCall_CreatesOneIdentityAndMapsIt_TokenExpEqualsExpiresOn()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var user = NewUser();

        var first = await IssueAsync(app, user);
        var second = await IssueAsync(app, user);

        Assert.StartsWith("8:acs:", first.AcsUserId);
        Assert.Equal(first.AcsUserId, second.AcsUserId);
        Assert.True(emulators.AcsIdentities.Exists(first.AcsUserId));
        var claims = JwtPayload.Claims(first.Token);
        Assert.Equal(first.ExpiresOn.ToUnixTimeSeconds(), claims.GetProperty("exp").GetInt64());
        Assert.Equal(3600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.Equal("chat,voip", claims.GetProperty("acsScope").GetString());
        Assert.Equal(first.AcsUserId[2..], claims.GetProperty("skypeid").GetString());
        Assert.Single(await MappingBlobsAsync(app));
    }

    [Fact]
    public async Task RequestedSubsetOfScopes_IsWhatTheTokenCarries()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));

        var response = await IssueAsync(app, NewUser(), "{\"scopes\":[\"voip\"]}");

        Assert.Equal("voip", JwtPayload.Claims(response.Token).GetProperty("acsScope").GetString());
    }

    [Fact]
    public async Task TwentyConcurrentFirstCalls_ProduceOneIdentity()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var user = NewUser();
        var before = emulators.AcsIdentities.Count;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => IssueAsync(app, user)));

        Assert.Single(responses.Select(r => r.AcsUserId).Distinct());
        Assert.Single(await MappingBlobsAsync(app));
        // Calls that lost the conditional write delete the identity they created, so exactly one is left.
        Assert.Equal(before + 1, emulators.AcsIdentities.Count);
        Assert.All(responses, r => Assert.Equal(r.AcsUserId[2..], JwtPayload.Claims(r.Token).GetProperty("skypeid").GetString()));
    }

    [Fact]
    public async Task Delete_RemovesMappingThenIdentity_AndIsIdempotent()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var user = NewUser();
        var issued = await IssueAsync(app, user);

        var first = await app.Function<AcsIdentityFunction>().Run(app.Request("DELETE", user), CancellationToken.None);
        var again = await app.Function<AcsIdentityFunction>().Run(app.Request("DELETE", user), CancellationToken.None);

        Assert.IsType<NoContentResult>(first);
        Assert.IsType<NoContentResult>(again);
        Assert.Empty(await MappingBlobsAsync(app));
        Assert.False(emulators.AcsIdentities.Exists(issued.AcsUserId));
        var next = await IssueAsync(app, user);
        Assert.NotEqual(issued.AcsUserId, next.AcsUserId);
    }

    [Fact]
    public async Task MappingToAnIdentityDeletedElsewhere_IsReplaced()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var user = NewUser();
        var issued = await IssueAsync(app, user);
        emulators.AcsIdentities.Delete(issued.AcsUserId);

        var next = await IssueAsync(app, user);

        Assert.NotEqual(issued.AcsUserId, next.AcsUserId);
        Assert.True(emulators.AcsIdentities.Exists(next.AcsUserId));
        Assert.Single(await MappingBlobsAsync(app));
    }

    [Theory]
    [InlineData(null, null, 401, "unauthenticated")]
    [InlineData("u", "{\"scopes\":[\"chat.join\"]}", 400, "invalid-request")]
    [InlineData("u", "{\"scopes\":[]}", 400, "invalid-request")]
    [InlineData("u", "{\"scopes\":\"chat\"}", 400, "invalid-request")]
    [InlineData("u", "{\"scope\":[\"chat\"]}", 400, "invalid-request")]
    [InlineData("u", "{not json", 400, "invalid-request")]
    public async Task BadRequests_GetTheirProblem_AndCreateNothing(string? user, string? body, int status, string kind)
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var before = emulators.AcsIdentities.Count;
        var request = app.Request("POST", user is null ? null : NewUser(), body);

        var result = await app.Function<AcsTokenFunction>().Run(request, CancellationToken.None);

        var (actualStatus, headers, json) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(status, actualStatus);
        Assert.StartsWith("application/problem+json", headers.ContentType.ToString());
        using var problem = JsonDocument.Parse(json);
        Assert.Equal("urn:collab:problem:" + kind, problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("token", json.Replace("\"type\"", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, emulators.AcsIdentities.Count);
        Assert.Empty(await MappingBlobsAsync(app));
    }

    [Fact]
    public async Task NonJsonBody_Is415()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var request = app.Request("POST", NewUser(), "scopes=chat");
        request.ContentType = "application/x-www-form-urlencoded";

        var result = await app.Function<AcsTokenFunction>().Run(request, CancellationToken.None);

        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, Assert.IsType<ProblemResult>(result).StatusCode);
    }

    [Fact]
    public async Task OverTheRateLimit_Is429WithRetryAfter_AndCreatesNothing()
    {
        var settings = CollabApp.Settings(emulators);
        settings["RateLimit:PermitsPerMinute"] = "2";
        await using var app = CollabApp.Start(settings);
        var user = NewUser();
        await IssueAsync(app, user);
        await IssueAsync(app, user);
        var before = emulators.AcsIdentities.Count;
        var request = app.Request("POST", user);

        var result = await app.Function<AcsTokenFunction>().Run(request, CancellationToken.None);

        var (status, headers, _) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(StatusCodes.Status429TooManyRequests, status);
        Assert.InRange(int.Parse(headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(before, emulators.AcsIdentities.Count);
        // The limit is per user: someone else still gets a token.
        Assert.StartsWith("8:acs:", (await IssueAsync(app, NewUser())).AcsUserId);
    }

    [Fact]
    public async Task Origins_OnlyConfiguredOnesAreServed()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var before = emulators.AcsIdentities.Count;
        var foreign = app.Request("POST", NewUser());
        foreign.Headers.Origin = "https://evil.example";
        var allowed = app.Request("POST", NewUser());
        allowed.Headers.Origin = CollabApp.AllowedOrigin;
        var sameOrigin = app.Request("POST", NewUser());
        sameOrigin.Headers.Origin = "https://" + sameOrigin.Host.Value;

        var refused = await app.Function<AcsTokenFunction>().Run(foreign, CancellationToken.None);
        var served = await app.Function<AcsTokenFunction>().Run(allowed, CancellationToken.None);
        var servedToItself = await app.Function<AcsTokenFunction>().Run(sameOrigin, CancellationToken.None);

        Assert.Equal(StatusCodes.Status403Forbidden, Assert.IsType<ProblemResult>(refused).StatusCode);
        Assert.False(foreign.HttpContext.Response.Headers.ContainsKey("Access-Control-Allow-Origin"));
        Assert.IsType<OkObjectResult>(served);
        Assert.Equal(CollabApp.AllowedOrigin, allowed.HttpContext.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Equal("no-store", allowed.HttpContext.Response.Headers.CacheControl.ToString());
        Assert.IsType<OkObjectResult>(servedToItself);
        Assert.Equal(before + 2, emulators.AcsIdentities.Count);
    }

    [Fact]
    public async Task WrongAcsKey_Is502WithoutDetailsOfTheKey()
    {
        var settings = CollabApp.Settings(emulators);
        settings["Acs:ConnectionString"] = $"endpoint={emulators.AcsEndpoint};accesskey={Convert.ToBase64String("another-key-that-acs-will-refuse"u8)}";
        await using var app = CollabApp.Start(settings);

        var result = await app.Function<AcsTokenFunction>().Run(app.Request("POST", NewUser()), CancellationToken.None);

        var problem = Assert.IsType<ProblemResult>(result);
        Assert.Equal(StatusCodes.Status502BadGateway, problem.StatusCode);
        Assert.Contains("401 Denied", problem.Problem.Detail);
        Assert.Empty(await MappingBlobsAsync(app));
    }

    internal static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    internal static async Task<AcsTokenResponse> IssueAsync(CollabApp app, string userId, string? body = null)
    {
        var result = await app.Function<AcsTokenFunction>().Run(app.Request("POST", userId, body), CancellationToken.None);
        var ok = Assert.IsType<OkObjectResult>(result);
        return Assert.IsType<AcsTokenResponse>(ok.Value);
    }

    private static async Task<List<string>> MappingBlobsAsync(CollabApp app)
    {
        var container = app.Services.GetRequiredService<BlobServiceClient>()
            .GetBlobContainerClient(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Collab.Functions.Configuration.StorageOptions>>().Value.IdentitiesContainer);
        var names = new List<string>();
        if (!await container.ExistsAsync())
        {
            return names;
        }

        await foreach (var blob in container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }
}
