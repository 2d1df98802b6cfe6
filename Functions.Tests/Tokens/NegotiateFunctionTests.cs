using System.Net;
using System.Net.Http.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.AspNetCore.Http;
using static Collab.Functions.Tests.Infrastructure.TokenRequests;

namespace Collab.Functions.Tests.Tokens;

/// <summary>
/// <c>POST /api/boards/{boardId}/negotiate</c> (shared/protocols/web-pubsub.md §3, §7) over HTTP through the local
/// host and the real worker, whose Web PubSub hub is the stack's own. The tests share one stack and keep apart by user.
/// </summary>
public sealed class NegotiateFunctionTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private EmulatorHost Emulators => fixture.Emulators;

    private LocalStack Stack => fixture.Stack;

    private string Hub => Stack.Settings["WebPubSub:Hub"]!;

    [Fact]
    public async Task Token_NamesTheCallerAndOnlyThisBoardsGroups_AndMaySendOnlyPreviews()
    {
        var user = NewUser();
        using var client = await Stack.SignInAsync(user);
        var b1 = await BoardApi.CreateAsync(client);

        var response = await NegotiateAsync(client, b1);

        Assert.Equal(b1, response.BoardId);
        Assert.Equal("owner", response.Role);
        Assert.Equal(LocalStack.UserIdOf(user), response.UserId);
        Assert.StartsWith($"ws://{Emulators.WebPubSubEndpoint.Authority}/client/hubs/{Hub}?access_token=", response.Url.AbsoluteUri);
        var claims = Claims(response);
        Assert.Equal($"{Emulators.WebPubSubEndpoint.GetLeftPart(UriPartial.Authority)}/client/hubs/{Hub}", claims.GetProperty("aud").GetString());
        Assert.Equal(LocalStack.UserIdOf(user), claims.GetProperty("sub").GetString());
        Assert.Equal(user, claims.GetProperty("name").GetString());
        // No role reaches the server group (board.*), where the server's ops and presence travel, nor joins or leaves.
        Assert.Equal([$"webpubsub.sendToGroup.preview.{b1}"], claims.GetProperty("role").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal([$"board.{b1}", $"preview.{b1}"], claims.GetProperty("webpubsub.group").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(3600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.Equal(response.ExpiresOn.ToUnixTimeSeconds(), claims.GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Lifetime_ComesFromConfiguration()
    {
        await using var stack = await LocalStack.StartAsync(Emulators, settings => settings["WebPubSub:TokenLifetimeMinutes"] = "1440");
        using var client = await stack.SignInAsync(NewUser());
        var b1 = await BoardApi.CreateAsync(client);

        var claims = Claims(await NegotiateAsync(client, b1));

        Assert.Equal(86400, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task AViewer_GetsTheGroupsButNoRole()
    {
        var owner = NewUser();
        var viewer = NewUser();
        using var ownerClient = await Stack.SignInAsync(owner);
        using var viewerClient = await Stack.SignInAsync(viewer);
        var boardId = BoardApi.NewBoardId();
        using (var created = await ownerClient.PutAsJsonAsync($"api/boards/{boardId}", new { title = "t", visibility = "private", members = new[] { new { userId = LocalStack.UserIdOf(viewer), role = "viewer" } } }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var response = await NegotiateAsync(viewerClient, boardId);

        Assert.Equal("viewer", response.Role);
        var claims = Claims(response);
        // Without a role the claim is left out, as the SDK's getClientAccessToken does.
        Assert.False(claims.TryGetProperty("role", out _));
        Assert.Equal([$"board.{boardId}", $"preview.{boardId}"], claims.GetProperty("webpubsub.group").EnumerateArray().Select(g => g.GetString()));
    }

    [Fact]
    public async Task UnknownBoard_Is404_AndAStrangerToAPrivateBoard403_WithoutAUrl()
    {
        using var owner = await Stack.SignInAsync(NewUser());
        using var stranger = await Stack.SignInAsync(NewUser());
        var privateBoard = await BoardApi.CreateAsync(owner, "private");

        using var unknown = await PostNegotiateAsync(stranger, BoardApi.NewBoardId());
        using var refused = await PostNegotiateAsync(stranger, privateBoard);

        Assert.DoesNotContain("access_token", await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "board-not-found"));
        Assert.DoesNotContain("access_token", await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "forbidden"));
    }

    // "" and ".." are not here: over HTTP they are no path segment of their own (see BoardIdThatIsNoPathSegment_MatchesNoRoute).
    [Theory]
    [InlineData("a b")]
    [InlineData("board.b1")]
    [InlineData("b1/../b2")]
    [InlineData("ß")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task MalformedBoardId_Is400(string boardId)
    {
        using var client = await Stack.SignInAsync(NewUser());

        using var response = await PostNegotiateAsync(client, boardId);

        var body = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.DoesNotContain("access_token", body);
    }

    /// <summary>
    /// An empty or dot-dot board id cannot reach the function: the client and the host normalise the path, so the
    /// request matches no route (404) and gets no token.
    /// </summary>
    [Theory]
    [InlineData("api/boards//negotiate")]
    [InlineData("api/boards/../negotiate")]
    [InlineData("api/boards/%2E%2E/negotiate")]
    public async Task BoardIdThatIsNoPathSegment_MatchesNoRoute(string path)
    {
        using var client = await Stack.SignInAsync(NewUser());

        using var response = await client.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("access_token", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NoPrincipal_Is401WithoutAUrl()
    {
        using var client = Stack.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/boards/b1/negotiate");
        // Without a sign-in, a client's own principal headers count for nothing: the host strips them, as Easy Auth does.
        var forged = new DefaultHttpContext().Request;
        EasyAuth.SignIn(forged, LocalStack.UserIdOf("Alice"), "Alice");
        foreach (var (name, value) in forged.Headers)
        {
            request.Headers.Add(name, value.ToString());
        }

        using var response = await client.SendAsync(request);

        var body = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.DoesNotContain("access_token", body);
    }

    [Fact]
    public async Task Url_IsAcceptedByTheEmulatorAndTheOfficialClient_ForItsBoardOnly()
    {
        // The script takes the first message its client gets in the board's group for its own, so the hub must not call
        // the app, whose presence broadcast on connected would come first: this worker issues URLs for a hub that has
        // no event handler in the emulator, which then admits any valid token (as Web PubSub does without one).
        var quietHub = "quiet_" + Guid.NewGuid().ToString("N")[..8];
        await using var stack = await LocalStack.StartAsync(Emulators, settings => settings["WebPubSub:Hub"] = quietHub);
        var user = NewUser();
        using var client = await stack.SignInAsync(user);
        var b1 = await BoardApi.CreateAsync(client);
        var response = await NegotiateAsync(client, b1);

        await NodeScript.AssertPassesAsync("tokens.mjs", new Dictionary<string, string>
        {
            ["NEGOTIATE_URL"] = response.Url.AbsoluteUri,
            ["BOARD_ID"] = b1,
            ["USER_ID"] = LocalStack.UserIdOf(user),
            ["USER_NAME"] = user,
            ["WPS_CONNECTION_STRING"] = Emulators.WebPubSubConnectionString,
            ["WPS_HUB"] = quietHub,
        }, "negotiateUrl");
    }
}
