using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collab.Functions.Tests.Infrastructure;

namespace Collab.Functions.Tests.Security;

/// <summary>
/// Input that once got past validation (a board id ending in a newline, text that is not well-formed Unicode,
/// non-canonical snapshot numbers) and the headers every function response carries, through the local host and the
/// real worker over HTTP. Upstream events are signed as shared/protocols/web-pubsub.md §4.3 describes; §4.6 says a
/// 5xx answer is retried (three more times) and a 4xx is not.
/// </summary>
public sealed partial class InputAndHeaderHardeningTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task ABoardIdEndingInANewline_Is400_NotAServerError()
    {
        using var alice = await Stack.SignInAsync(BoardApi.NewUser("alice"));
        var boardId = await BoardApi.CreateAsync(alice);

        // The route value is decoded, so the function sees "{boardId}\n": $ in a .NET pattern matches before it.
        using var negotiate = await alice.PostAsync($"api/boards/{boardId}%0A/negotiate", null);
        using var read = await alice.GetAsync($"api/boards/{boardId}%0A");
        using var put = await alice.PutAsync($"api/boards/x%0A", new StringContent("""{"title":"t"}""", Encoding.UTF8, "application/json"));

        foreach (var response in new[] { negotiate, read, put })
        {
            Assert.Equal("urn:collab:problem:invalid-request", (await BoardApi.ProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("type").GetString());
        }
    }

    [Theory]
    [InlineData("""{"opId":"o1","shape":{"id":"t1","kind":"text","color":"#000000","width":1,"x":1,"y":1,"fontSize":12,"text":"\ud800"}}""")]
    [InlineData("""{"opId":"o1","shape":{"id":"t1","kind":"text","color":"#000000","width":1,"x":1,"y":1,"fontSize":12,"text":"ok \udfff"}}""")]
    [InlineData("""{"opId":"\ud800","shape":{"id":"t1","kind":"text","color":"#000000","width":1,"x":1,"y":1,"fontSize":12,"text":"hi"}}""")]
    public async Task TextThatIsNotWellFormedUnicode_Is400_AndNothingIsCommitted(string body)
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        using var upstream = new UpstreamClient(Stack, fixture.Emulators.WebPubSubOptions.AccessKey);
        var boardId = await BoardApi.CreateAsync(alice);

        using var response = await upstream.SendAsync(upstream.User("addShape", "c1", LocalStack.UserIdOf(aliceName), boardId, body));

        // 400, not 500: Web PubSub does not retry a 4xx (§4.6).
        Assert.Contains("not well-formed Unicode", (await BoardApi.ProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
        Assert.Empty(await BoardApi.AllOpsAsync(alice, boardId));
    }

    [Theory]
    [InlineData("""{"title":"\ud800"}""")]
    [InlineData("""{"title":"ok","members":["\udc00"]}""")]
    [InlineData("""{"title":"ok","members":[{"userId":"a\ud800","role":"viewer"}]}""")]
    public async Task ABoardWhoseTitleOrMembersAreNotWellFormedUnicode_Is400_AndNotCreated(string body)
    {
        using var alice = await Stack.SignInAsync(BoardApi.NewUser("alice"));
        var boardId = BoardApi.NewBoardId();

        using var put = await alice.PutAsync($"api/boards/{boardId}", new StringContent(body, Encoding.UTF8, "application/json"));

        await BoardApi.ProblemAsync(put, HttpStatusCode.BadRequest);
        using var read = await alice.GetAsync($"api/boards/{boardId}");
        await BoardApi.ProblemAsync(read, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SnapshotSeqs_MustBeCanonical_SoOneSnapshotHasOneBlob()
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        using var upstream = new UpstreamClient(Stack, fixture.Emulators.WebPubSubOptions.AccessKey);
        var boardId = await BoardApi.CreateAsync(alice);
        await upstream.CommitAsync(boardId, LocalStack.UserIdOf(aliceName), "addShape", UpstreamClient.AddRect("a1", "s1"));

        // The host names the blob after the query text before the function runs; only the function's refusal,
        // which returns no outputs, keeps "01" from becoming a second blob of snapshot 1.
        string[] refused = ["01", "001", "%2B1", "%201", "1%20", "0x1"];
        foreach (var seq in refused)
        {
            using var response = await alice.PostAsync($"api/boards/{boardId}/snapshots?seq={seq}", null);
            Assert.Contains("without leading zeros", (await BoardApi.ProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());
        }

        using var created = await alice.PostAsync($"api/boards/{boardId}/snapshots?seq=1", null);
        using var atZero = await alice.GetAsync($"api/boards/{boardId}?atSeq=00");
        await BoardApi.JsonAsync(created, HttpStatusCode.Created);
        await BoardApi.ProblemAsync(atZero, HttpStatusCode.BadRequest);
        using var history = await alice.GetAsync($"api/boards/{boardId}/snapshots");
        Assert.Equal([1L], (await BoardApi.JsonAsync(history, HttpStatusCode.OK)).EnumerateArray().Select(s => s.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task EveryFunctionResponse_IsNosniff_WithAPolicyThatRunsNothing_AndTheSvgExportMayStyleItself()
    {
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        using var anonymous = Stack.Anonymous();
        using var upstream = new UpstreamClient(Stack, fixture.Emulators.WebPubSubOptions.AccessKey);
        var boardId = await BoardApi.CreateAsync(alice);
        using var background = new ByteArrayContent(Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="));
        using var uploaded = await alice.PutAsync($"api/boards/{boardId}/background", background);
        await BoardApi.JsonAsync(uploaded, HttpStatusCode.OK);

        var responses = new Dictionary<string, HttpResponseMessage>
        {
            ["board"] = await alice.GetAsync($"api/boards/{boardId}"),
            ["background"] = await alice.GetAsync($"api/boards/{boardId}/background"),
            ["problem 400"] = await alice.GetAsync($"api/boards/{boardId}?atSeq=-1"),
            ["problem 401"] = await anonymous.GetAsync($"api/boards/{boardId}"),
            ["problem 404"] = await alice.GetAsync($"api/boards/{BoardApi.NewBoardId()}"),
            ["health"] = await anonymous.GetAsync("api/health"),
            ["event handler"] = await upstream.SendAsync(upstream.User("addShape", "c1", LocalStack.UserIdOf(aliceName), boardId, UpstreamClient.AddRect("h1", "s1"))),
        };
        using var svg = await alice.GetAsync($"api/boards/{boardId}/export.svg");

        try
        {
            Assert.Equal(HttpStatusCode.OK, responses["background"].StatusCode);
            Assert.Equal("image/gif", responses["background"].Content.Headers.ContentType?.MediaType);
            foreach (var (name, response) in responses.Append(new("svg", svg)))
            {
                Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.SequenceEqual(["nosniff"]), $"{name} ({(int)response.StatusCode}) is not nosniff");
            }

            foreach (var (name, response) in responses)
            {
                Assert.True(Policy(response) == ApiPolicy, $"{name} ({(int)response.StatusCode}) has the policy '{Policy(response)}'");
            }

            Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
            Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'", Policy(svg));
        }
        finally
        {
            foreach (var response in responses.Values)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Health_ShowsTheVersion_NotTheCommitItWasBuiltFrom()
    {
        using var anonymous = Stack.Anonymous();

        using var response = await anonymous.GetAsync("api/health");

        var version = (await BoardApi.JsonAsync(response, HttpStatusCode.OK)).GetProperty("version").GetString()!;
        // The build puts "+<commit>" after the version (SemVer build metadata).
        Assert.Matches(ReleaseVersion(), version);
    }

    private static string Policy(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(" | ", values) : "";

    [GeneratedRegex(@"\A\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\z")]
    private static partial Regex ReleaseVersion();
}
