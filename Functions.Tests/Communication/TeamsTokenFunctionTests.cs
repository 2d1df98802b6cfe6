using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;

namespace Collab.Functions.Tests.Communication;

/// <summary>
/// <c>POST /api/acs/token/teams</c> through the local host and the real worker, against the identity emulator's
/// Teams exchange (shared/protocols/acs-chat-rooms.md §9: 401 for an invalid or expired Entra token, 400 for a wrong
/// appId/userId). The emulator cannot check an Entra signature; it checks the token's <c>exp</c>, <c>appid</c> and
/// <c>oid</c> against the request.
/// </summary>
public sealed class TeamsTokenFunctionTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private static readonly string AppId = Guid.NewGuid().ToString();

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task AValidTeamsToken_IsExchangedForAnAcsToken()
    {
        using var client = await Stack.SignInAsync(BoardApi.NewUser("teams"));
        var oid = Guid.NewGuid().ToString();

        using var response = await client.PostAsJsonAsync("api/acs/token/teams", new { token = EntraToken(AppId, oid, TimeSpan.FromHours(1)), appId = AppId, userId = oid });

        var body = await BoardApi.JsonAsync(response, HttpStatusCode.OK);
        var token = body.GetProperty("token").GetString()!;
        Assert.Equal(body.GetProperty("expiresOn").GetDateTimeOffset().ToUnixTimeSeconds(), JwtPayload.Claims(token).GetProperty("exp").GetInt64());
        Assert.Equal("orgid:" + oid, JwtPayload.Claims(token).GetProperty("skypeid").GetString());
        Assert.Equal(["token", "expiresOn"], body.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task AnExpiredTeamsToken_Is401_TeamsTokenRejected()
    {
        using var client = await Stack.SignInAsync(BoardApi.NewUser("teams"));
        var oid = Guid.NewGuid().ToString();

        using var response = await client.PostAsJsonAsync("api/acs/token/teams", new { token = EntraToken(AppId, oid, TimeSpan.FromHours(-1)), appId = AppId, userId = oid });

        var problem = await BoardApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("urn:collab:problem:teams-token-rejected", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ACS400_Is400_TeamsExchangeRefused()
    {
        using var client = await Stack.SignInAsync(BoardApi.NewUser("teams"));
        var oid = Guid.NewGuid().ToString();
        fixture.Emulators.AcsFaults.FailNext("POST", "/teamsUser/", 1, 400);

        using var response = await client.PostAsJsonAsync("api/acs/token/teams", new { token = EntraToken(AppId, oid, TimeSpan.FromHours(1)), appId = AppId, userId = oid });

        var problem = await BoardApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("urn:collab:problem:teams-exchange-refused", problem.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"appId":"11111111-1111-1111-1111-111111111111","userId":"22222222-2222-2222-2222-222222222222"}""")]
    [InlineData("""{"token":"a.b.c","appId":"not-a-guid","userId":"22222222-2222-2222-2222-222222222222"}""")]
    [InlineData("""{"token":"a.b.c","appId":"11111111-1111-1111-1111-111111111111"}""")]
    [InlineData("""{"token":"a b","appId":"11111111-1111-1111-1111-111111111111","userId":"22222222-2222-2222-2222-222222222222"}""")]
    [InlineData("""{"token":"a.b.c","appId":"11111111-1111-1111-1111-111111111111","userId":"22222222-2222-2222-2222-222222222222","extra":1}""")]
    public async Task MalformedInput_Is400_BeforeAcsIsAsked(string json)
    {
        using var client = await Stack.SignInAsync(BoardApi.NewUser("teams"));
        var injected = fixture.Emulators.AcsFaults.Injected;
        fixture.Emulators.AcsFaults.FailNext("POST", "/teamsUser/", 1, 500);
        try
        {
            using var response = await client.PostAsync("api/acs/token/teams", new StringContent(json, Encoding.UTF8, "application/json"));

            var problem = await BoardApi.ProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal("urn:collab:problem:invalid-request", problem.GetProperty("type").GetString());
            Assert.Equal(injected, fixture.Emulators.AcsFaults.Injected);
        }
        finally
        {
            fixture.Emulators.AcsFaults.Clear();
        }
    }

    [Fact]
    public async Task WithoutSignIn_Is401_Unauthenticated()
    {
        using var anonymous = Stack.Anonymous();

        using var response = await anonymous.PostAsJsonAsync("api/acs/token/teams", new { token = "a.b.c", appId = AppId, userId = AppId });

        Assert.Equal("urn:collab:problem:unauthenticated", (await BoardApi.ProblemAsync(response, HttpStatusCode.Unauthorized)).GetProperty("type").GetString());
    }

    /// <summary>An Entra-shaped access token (unsigned: the emulator reads only its claims, §9).</summary>
    private static string EntraToken(string appId, string oid, TimeSpan lifetime)
    {
        static string Part(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
        var exp = DateTimeOffset.UtcNow.Add(lifetime).ToUnixTimeSeconds();
        return $"{Part(new { alg = "RS256", typ = "JWT" })}.{Part(new { aud = "https://communication.azure.com", appid = appId, oid, exp })}.c2lnbmF0dXJl";
    }
}
