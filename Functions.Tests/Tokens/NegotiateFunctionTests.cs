using System.Text.Json;
using Collab.Functions.Http;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Collab.Functions.Tests.Tokens;

/// <summary><c>POST /api/boards/{boardId}/negotiate</c> (shared/protocols/web-pubsub.md §3, §7).</summary>
public sealed class NegotiateFunctionTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task Token_NamesTheCallerAndOnlyThisBoardsGroup()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));

        var response = await NegotiateAsync(app, "alice-id", "b1");

        Assert.Equal("b1", response.BoardId);
        Assert.Equal("alice-id", response.UserId);
        Assert.StartsWith($"ws://{emulators.WebPubSubEndpoint.Authority}/client/hubs/collab?access_token=", response.Url.AbsoluteUri);
        var claims = Claims(response);
        Assert.Equal($"{emulators.WebPubSubEndpoint.GetLeftPart(UriPartial.Authority)}/client/hubs/collab", claims.GetProperty("aud").GetString());
        Assert.Equal("alice-id", claims.GetProperty("sub").GetString());
        Assert.Equal("User alice-id", claims.GetProperty("name").GetString());
        Assert.Equal(["webpubsub.joinLeaveGroup.board.b1", "webpubsub.sendToGroup.board.b1"], claims.GetProperty("role").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["board.b1"], claims.GetProperty("webpubsub.group").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(3600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.Equal(response.ExpiresOn.ToUnixTimeSeconds(), claims.GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Lifetime_ComesFromConfiguration()
    {
        var settings = CollabApp.Settings(emulators);
        settings["WebPubSub:TokenLifetimeMinutes"] = "1440";
        await using var app = CollabApp.Start(settings);

        var claims = Claims(await NegotiateAsync(app, "u", "b1"));

        Assert.Equal(86400, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("..")]
    [InlineData("board.b1")]
    [InlineData("b1/../b2")]
    [InlineData("ß")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task MalformedBoardId_Is400(string boardId)
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var request = app.Request("POST", "u");

        var result = await app.Function<NegotiateFunction>().Run(request, boardId);

        var (status, headers, body) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.StartsWith("application/problem+json", headers.ContentType.ToString());
        Assert.Contains("urn:collab:problem:invalid-request", body);
        Assert.DoesNotContain("access_token", body);
    }

    [Fact]
    public async Task NoPrincipal_Is401WithoutAUrl()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var request = app.Request("POST", null);
        request.Headers["X-MS-CLIENT-PRINCIPAL-ID"] = "alice-id";

        var result = await app.Function<NegotiateFunction>().Run(request, "b1");

        var (status, _, body) = await CollabApp.ExecuteAsync(result, request);
        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        Assert.Contains("urn:collab:problem:unauthenticated", body);
        Assert.DoesNotContain("access_token", body);
    }

    [Fact]
    public async Task Url_IsAcceptedByTheEmulatorAndTheOfficialClient_ForItsBoardOnly()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var response = await NegotiateAsync(app, "alice-id", "b1");

        await NodeScript.AssertPassesAsync("tokens.mjs", new Dictionary<string, string>
        {
            ["NEGOTIATE_URL"] = response.Url.AbsoluteUri,
            ["BOARD_ID"] = "b1",
            ["USER_ID"] = "alice-id",
            ["USER_NAME"] = "User alice-id",
            ["WPS_CONNECTION_STRING"] = emulators.WebPubSubConnectionString,
            ["WPS_HUB"] = "collab",
        }, "negotiateUrl");
    }

    private static async Task<NegotiateResponse> NegotiateAsync(CollabApp app, string userId, string boardId)
    {
        var result = await app.Function<NegotiateFunction>().Run(app.Request("POST", userId), boardId);
        return Assert.IsType<NegotiateResponse>(Assert.IsType<OkObjectResult>(result).Value);
    }

    private static JsonElement Claims(NegotiateResponse response) => JwtPayload.Claims(response.Url.Query.Split("access_token=")[1]);
}
