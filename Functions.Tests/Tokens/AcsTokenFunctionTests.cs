using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using static Collab.Functions.Tests.Infrastructure.TokenRequests;

namespace Collab.Functions.Tests.Tokens;

/// <summary>
/// <c>POST /api/acs/token</c> and <c>DELETE /api/acs/identity</c> end to end, over HTTP through the local host and the
/// real worker: the ACS identity emulator (shared/protocols/acs-identity.md) and the mapping in Azurite. The tests
/// share one stack and keep apart by user; xunit runs a class's tests one at a time, so what the emulator and the
/// identities container hold before and after a test differs only by what that test did.
/// </summary>
public sealed class AcsTokenFunctionTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private EmulatorHost Emulators => fixture.Emulators;

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task FirstCall_CreatesOneIdentityAndMapsIt_TokenExpEqualsExpiresOn()
    {
        var user = NewUser();
        using var client = await Stack.SignInAsync(user);
        var mappings = (await AcsMappingBlobsAsync(Stack)).Count;

        var first = await IssueAcsTokenAsync(client);
        var second = await IssueAcsTokenAsync(client);

        Assert.StartsWith("8:acs:", first.AcsUserId);
        Assert.Equal(first.AcsUserId, second.AcsUserId);
        Assert.True(Emulators.AcsIdentities.Exists(first.AcsUserId));
        var claims = JwtPayload.Claims(first.Token);
        Assert.Equal(first.ExpiresOn.ToUnixTimeSeconds(), claims.GetProperty("exp").GetInt64());
        Assert.Equal(3600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.Equal("chat.join.limited,voip", claims.GetProperty("acsScope").GetString());
        Assert.Equal(first.AcsUserId[2..], claims.GetProperty("skypeid").GetString());
        Assert.Equal(first.AcsUserId, await AcsMappingOfAsync(Stack, user));
        Assert.Equal(mappings + 1, (await AcsMappingBlobsAsync(Stack)).Count);
    }

    [Fact]
    public async Task RequestedSubsetOfScopes_IsWhatTheTokenCarries()
    {
        using var client = await Stack.SignInAsync(NewUser());

        var response = await IssueAcsTokenAsync(client, "{\"scopes\":[\"voip\"]}");

        Assert.Equal("voip", JwtPayload.Claims(response.Token).GetProperty("acsScope").GetString());
    }

    [Fact]
    public async Task TwentyConcurrentFirstCalls_ProduceOneIdentity()
    {
        var user = NewUser();
        using var client = await Stack.SignInAsync(user);
        var before = Emulators.AcsIdentities.Count;
        var mappings = (await AcsMappingBlobsAsync(Stack)).Count;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => IssueAcsTokenAsync(client)));

        var acsUserId = Assert.Single(responses.Select(r => r.AcsUserId).Distinct());
        Assert.Equal(acsUserId, await AcsMappingOfAsync(Stack, user));
        Assert.Equal(mappings + 1, (await AcsMappingBlobsAsync(Stack)).Count);
        // Calls that lost the conditional write delete the identity they created, so exactly one is left.
        Assert.Equal(before + 1, Emulators.AcsIdentities.Count);
        Assert.All(responses, r => Assert.Equal(r.AcsUserId[2..], JwtPayload.Claims(r.Token).GetProperty("skypeid").GetString()));
    }

    [Fact]
    public async Task Delete_RemovesMappingThenIdentity_AndIsIdempotent()
    {
        var user = NewUser();
        using var client = await Stack.SignInAsync(user);
        var mappings = (await AcsMappingBlobsAsync(Stack)).Count;
        var issued = await IssueAcsTokenAsync(client);

        using var first = await client.DeleteAsync("api/acs/identity");
        using var again = await client.DeleteAsync("api/acs/identity");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Null(await AcsMappingOfAsync(Stack, user));
        Assert.Equal(mappings, (await AcsMappingBlobsAsync(Stack)).Count);
        Assert.False(Emulators.AcsIdentities.Exists(issued.AcsUserId));
        var next = await IssueAcsTokenAsync(client);
        Assert.NotEqual(issued.AcsUserId, next.AcsUserId);
    }

    [Fact]
    public async Task MappingToAnIdentityDeletedElsewhere_IsReplaced()
    {
        var user = NewUser();
        using var client = await Stack.SignInAsync(user);
        var mappings = (await AcsMappingBlobsAsync(Stack)).Count;
        var issued = await IssueAcsTokenAsync(client);
        Emulators.AcsIdentities.Delete(issued.AcsUserId);

        var next = await IssueAcsTokenAsync(client);

        Assert.NotEqual(issued.AcsUserId, next.AcsUserId);
        Assert.True(Emulators.AcsIdentities.Exists(next.AcsUserId));
        Assert.Equal(next.AcsUserId, await AcsMappingOfAsync(Stack, user));
        Assert.Equal(mappings + 1, (await AcsMappingBlobsAsync(Stack)).Count);
    }

    // A null user is a caller who is not signed in; any other signs in as a fresh user.
    [Theory]
    [InlineData(null, null, 401, "unauthenticated")]
    [InlineData("u", "{\"scopes\":[\"chat.join\"]}", 400, "invalid-request")]
    [InlineData("u", "{\"scopes\":[]}", 400, "invalid-request")]
    [InlineData("u", "{\"scopes\":\"chat\"}", 400, "invalid-request")]
    [InlineData("u", "{\"scope\":[\"chat\"]}", 400, "invalid-request")]
    [InlineData("u", "{not json", 400, "invalid-request")]
    public async Task BadRequests_GetTheirProblem_AndCreateNothing(string? user, string? body, int status, string kind)
    {
        var before = Emulators.AcsIdentities.Count;
        var mappings = (await AcsMappingBlobsAsync(Stack)).Count;
        var name = NewUser();
        using var client = user is null ? Stack.Anonymous() : await Stack.SignInAsync(name);

        using var response = await PostAcsTokenAsync(client, body);

        var json = await AssertProblemAsync(response, (HttpStatusCode)status, kind);
        Assert.DoesNotContain("token", json.Replace("\"type\"", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, Emulators.AcsIdentities.Count);
        Assert.Equal(mappings, (await AcsMappingBlobsAsync(Stack)).Count);
        Assert.Null(await AcsMappingOfAsync(Stack, name));
    }

    /// <summary>
    /// <c>chat</c> and <c>chat.join</c> would let any participant delete the board's thread, change its topic or add and
    /// remove participants (shared/protocols/acs-identity.md §5): users get <c>chat.join.limited</c> at most.
    /// </summary>
    [Theory]
    [InlineData("[\"chat\"]")]
    [InlineData("[\"chat.join\"]")]
    [InlineData("[\"chat\",\"voip\"]")]
    public async Task FullChatScopes_Are400_NamingTheAllowedScopes(string scopes)
    {
        using var client = await Stack.SignInAsync(NewUser());

        using var response = await PostAcsTokenAsync(client, $"{{\"scopes\":{scopes}}}");

        var json = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains("allowed: chat.join.limited, voip", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonJsonBody_Is415()
    {
        using var client = await Stack.SignInAsync(NewUser());

        using var response = await client.PostAsync("api/acs/token", new StringContent("scopes=chat", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task OverTheRateLimit_Is429WithRetryAfter_AndCreatesNothing()
    {
        await using var stack = await LocalStack.StartAsync(Emulators, settings => settings["RateLimit:PermitsPerMinute"] = "2");
        using var client = await stack.SignInAsync(NewUser());
        await IssueAcsTokenAsync(client);
        await IssueAcsTokenAsync(client);
        var before = Emulators.AcsIdentities.Count;

        using var response = await PostAcsTokenAsync(client);

        await AssertProblemAsync(response, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.InRange(int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(before, Emulators.AcsIdentities.Count);
        // The limit is per user: someone else still gets a token.
        using var someoneElse = await stack.SignInAsync(NewUser());
        Assert.StartsWith("8:acs:", (await IssueAcsTokenAsync(someoneElse)).AcsUserId);
    }

    [Fact]
    public async Task Origins_OnlyConfiguredOnesAreServed()
    {
        var before = Emulators.AcsIdentities.Count;
        using var foreignClient = await Stack.SignInAsync(NewUser());
        using var allowedClient = await Stack.SignInAsync(NewUser());
        using var sameOriginClient = await Stack.SignInAsync(NewUser());

        using var refused = await PostAcsTokenAsync(foreignClient, origin: "https://evil.example");
        using var served = await PostAcsTokenAsync(allowedClient, origin: CollabApp.AllowedOrigin);
        // The page the app itself serves; https although the host is http, as behind a TLS-terminating front end.
        using var servedToItself = await PostAcsTokenAsync(sameOriginClient, origin: "https://" + Stack.BaseAddress.Authority);

        await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "origin-not-allowed");
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(CollabApp.AllowedOrigin, Assert.Single(served.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("no-store", served.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.OK, servedToItself.StatusCode);
        Assert.Equal(before + 2, Emulators.AcsIdentities.Count);
    }

    [Fact]
    public async Task WrongAcsKey_Is502WithoutDetailsOfTheKey()
    {
        var wrongKey = Convert.ToBase64String("another-key-that-acs-will-refuse"u8);
        await using var stack = await LocalStack.StartAsync(Emulators, settings =>
            settings["Acs:ConnectionString"] = $"endpoint={Emulators.AcsEndpoint};accesskey={wrongKey}");
        using var client = await stack.SignInAsync(NewUser());

        using var response = await PostAcsTokenAsync(client);

        var body = await AssertProblemAsync(response, HttpStatusCode.BadGateway, "upstream-failure");
        using var problem = JsonDocument.Parse(body);
        Assert.Contains("401 Denied", problem.RootElement.GetProperty("detail").GetString());
        Assert.DoesNotContain(wrongKey, body);
        Assert.DoesNotContain(Emulators.AcsOptions.AccessKey, body);
        Assert.Empty(await AcsMappingBlobsAsync(stack));
    }
}
