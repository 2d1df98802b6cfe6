using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collab.Boards.Model;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;

namespace Collab.Functions.Tests.Mcp;

/// <summary>
/// <c>/api/mcp</c> through the local host and the real worker, driven by the unmodified <c>@modelcontextprotocol/sdk</c>
/// client under Node (<c>conformance/mcp.mjs</c>, Streamable HTTP client transport, protocol negotiated by the SDKs).
/// The caller signs in as every other endpoint's does (the dev sign-in cookie the local host turns into the Easy Auth
/// principal headers). The board's live channel is the server group: sends of shared/protocols/web-pubsub.md §5, group
/// messages of §6.
/// </summary>
public sealed class McpServerTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private LocalStack Stack => fixture.Stack;

    /// <summary>Initialize, tools and schemas, a batch committed once under one key and broadcast with the agent's name, read back, remove, update, SVG, prompts, invalid arguments.</summary>
    [Fact]
    public Task TheOwnersAgent_DrawsReadsAndExports() => RunAsync(Stack, "owner");

    /// <summary>A viewer's agent reads; its writes are tool errors naming the reason, and nothing is stored.</summary>
    [Fact]
    public Task AViewersAgent_IsRefusedWrites() => RunAsync(Stack, "viewer");

    /// <summary>A stranger's agent learns nothing of a private board: every tool answers as for a board that does not exist.</summary>
    [Fact]
    public Task AStrangersAgent_GetsNothingFromAPrivateBoard() => RunAsync(Stack, "stranger");

    /// <summary>No principal: 401 with the bearer challenge (MCP authorization, RFC 9728 §5.1); a session id works only for its user.</summary>
    [Fact]
    public Task WithoutSignIn_TheChallengeNamesTheProtectedResourceMetadata() => RunAsync(Stack, "unauthenticated");

    /// <summary>An agent's writes count against the live path's operation rate (burst 40, then 20/s): a second full batch at once is refused whole, with a retry hint.</summary>
    [Fact]
    public Task AnAgentsBurst_IsLimitedAsAConnectionsIs() => RunAsync(Stack, "rate");

    /// <summary>The board size cap applies through the committer: shapes beyond it are refused and reported, the others commit.</summary>
    [Fact]
    public async Task TheBoardSizeCap_RefusesTheShapesBeyondIt()
    {
        await using var stack = await LocalStack.StartAsync(fixture.Emulators, settings => settings["Boards:MaxShapes"] = "5");
        await RunAsync(stack, "full");
    }

    /// <summary>
    /// The README's MCP Inspector command, unmodified (its CLI, as an agent developer runs it): it connects with the
    /// header, lists the tools, and its <c>--strict</c> schema-portability check finds no error (exit 6 otherwise).
    /// </summary>
    [Fact]
    public async Task TheMcpInspector_ConnectsAndFindsTheToolSchemasPortable()
    {
        var cookie = await CookieOfAsync(Stack, BoardApi.NewUser("inspector"));

        await NodeScript.AssertPassesAsync(
            "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
            new Dictionary<string, string>(),
            "--cli", new Uri(Stack.BaseAddress, "api/mcp").AbsoluteUri, "--transport", "http", "--header", "Cookie: " + cookie, "--method", "tools/list", "--strict");
    }

    /// <summary>The log entry's <c>agent</c> is optional: an entry written before it reads unchanged, and a user's own entry carries none.</summary>
    [Fact]
    public void TheAgentField_IsOptionalInTheLog()
    {
        const string old = """{"seq":1,"opId":"o1","author":"alice","at":"2026-11-01T10:00:00+00:00","op":{"type":"removeShape","shapeId":"s1"}}""";

        var entry = JsonSerializer.Deserialize<LoggedOperation>(old, BoardJson.Options)!;

        Assert.Null(entry.Agent);
        Assert.Equal(old, JsonSerializer.Serialize(entry, BoardJson.Options));
        Assert.Contains("\"agent\":\"Claude\"", JsonSerializer.Serialize(entry with { Agent = "Claude" }, BoardJson.Options), StringComparison.Ordinal);
    }

    private static async Task RunAsync(LocalStack stack, string scenario)
    {
        var owner = BoardApi.NewUser("owner");
        var viewer = BoardApi.NewUser("viewer");
        var stranger = BoardApi.NewUser("stranger");
        using var client = await stack.SignInAsync(owner);
        var boardId = BoardApi.NewBoardId();
        using (var created = await client.PutAsJsonAsync($"api/boards/{boardId}", new
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
            ["BASE_URL"] = stack.BaseAddress.AbsoluteUri.TrimEnd('/'),
            ["BOARD_ID"] = boardId,
            ["OWNER_ID"] = LocalStack.UserIdOf(owner),
            ["OWNER_COOKIE"] = await CookieOfAsync(stack, owner),
            ["VIEWER_COOKIE"] = await CookieOfAsync(stack, viewer),
            ["STRANGER_COOKIE"] = await CookieOfAsync(stack, stranger),
        }, scenario);
    }

    private static async Task<string> CookieOfAsync(LocalStack stack, string name)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = stack.BaseAddress };
        using var signIn = await http.PostAsync("/.auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = name }));
        return string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
    }
}
