using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collab.Functions.Boards;
using Collab.Functions.Tests.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.LocalHost.Hosting;
using Collab.LocalHost.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.LocalHost;

/// <summary>The local functions host over real HTTP: routes from functions.metadata, dev sign-in, blob outputs, timers.</summary>
public sealed class LocalFunctionsHostTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task ServesEveryHttpFunctionOfTheMetadata_OnItsRouteAndMethods()
    {
        await using var stack = await LocalStack.StartAsync(emulators);
        using var http = new HttpClient { BaseAddress = stack.BaseAddress };
        var functions = FunctionsMetadataReader.Read(RepositoryRoot.FunctionsMetadata);

        var health = await http.GetAsync("api/health");
        var wrongMethod = await http.DeleteAsync("api/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        foreach (var function in functions.Where(f => f.Trigger.Type == "httpTrigger" && f.Name != "Health" && f.Name != "WebPubSubEvents"))
        {
            var path = "api/" + function.Trigger.Route!.Replace("{boardId}", "b1", StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(function.Trigger.Methods![0].ToUpperInvariant()), path + (function.Name == "CreateSnapshot" ? "?seq=1" : ""));
            var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{function.Name} {request.Method} /{path} answered {(int)response.StatusCode} without a principal.");
        }
    }

    [Fact]
    public async Task DevSignIn_SetsTheEasyAuthHeaders_AndClientSentOnesAreStripped()
    {
        await using var stack = await LocalStack.StartAsync(emulators);
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = stack.BaseAddress };
        using var forged = new HttpRequestMessage(HttpMethod.Post, "api/boards/b1/negotiate");
        forged.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", "someone-else");
        forged.Headers.Add("X-MS-CLIENT-PRINCIPAL", Convert.ToBase64String("""{"auth_typ":"aad"}"""u8));

        var refused = await http.SendAsync(forged);
        var signIn = await http.PostAsync("/.auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "Alice", ["redirect"] = "/#/board/b1" }));
        var me = await http.GetFromJsonAsync<JsonElement>("/.auth/me");
        var token = await http.PostAsync("api/acs/token", null);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/#/board/b1", signIn.Headers.Location!.OriginalString);
        Assert.Equal("Alice", me[0].GetProperty("user_claims")[0].GetProperty("val").GetString());
        Assert.StartsWith("dev-", me[0].GetProperty("user_id").GetString());
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task BlobOutputs_AreWrittenToStorage_AndAnUnboundPathFailsTheInvocation()
    {
        await using var stack = await LocalStack.StartAsync(emulators);
        using var http = await SignedInAsync(stack, "Alice");
        var boardId = LiveBoardsTests.NewBoard();
        await http.PutAsJsonAsync($"api/boards/{boardId}", new { title = "Local" });
        await stack.Services.GetRequiredService<LiveBoards>().CommitAsync(boardId, "x", LiveBoardsTests.AddRect("s", 1), CancellationToken.None);

        var created = await http.PostAsync($"api/boards/{boardId}/snapshots?seq=1", null);
        var unbound = await http.PostAsync($"api/boards/{boardId}/snapshots", null);
        var history = await http.GetFromJsonAsync<JsonElement>($"api/boards/{boardId}/snapshots");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, unbound.StatusCode);
        Assert.Equal(1, history[0].GetProperty("seq").GetInt64());
        Assert.NotNull(await stack.Services.GetRequiredService<SnapshotStore>().LoadLatestAsync(boardId, null, CancellationToken.None));
    }

    [Fact]
    public async Task TimerFunctions_FireOnTheirSchedule()
    {
        await using var stack = await LocalStack.StartAsync(emulators, settings => settings["Boards:SnapshotSchedule"] = "*/1 * * * * *");
        var boardId = LiveBoardsTests.NewBoard();
        await stack.Services.GetRequiredService<BoardMetadataStore>().CreateOrUpdateAsync(
            new BoardMetadata(boardId, "t", BoardVisibility.Public, "x", [], Guid.NewGuid(), DateTimeOffset.UtcNow), "x", CancellationToken.None);
        await stack.Services.GetRequiredService<LiveBoards>().CommitAsync(boardId, "x", LiveBoardsTests.AddRect("s", 1), CancellationToken.None);

        var snapshots = stack.Services.GetRequiredService<SnapshotStore>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await snapshots.ListAsync(boardId, CancellationToken.None)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal([1L], (await snapshots.ListAsync(boardId, CancellationToken.None)).Select(s => s.Seq));
    }

    [Theory]
    [InlineData("""[{"name":"Q","entryPoint":"X.Y.Run","bindings":[{"name":"m","type":"queueTrigger","direction":"In"}]}]""", "queueTrigger (In) binding, which the local host does not support")]
    [InlineData("""[{"name":"H","entryPoint":"Collab.Functions.Health.HealthFunction.Run","bindings":[{"name":"r","type":"httpTrigger","direction":"In"},{"name":"t","type":"cosmosDB","direction":"Out"}]}]""", "cosmosDB (Out)")]
    [InlineData("""[{"name":"M","entryPoint":"Collab.Functions.Health.HealthFunction.Missing","bindings":[{"name":"r","type":"httpTrigger","direction":"In","route":"x","methods":["get"]}]}]""", "method Collab.Functions.Health.HealthFunction.Missing not found")]
    public async Task AnythingTheLocalHostCannotServe_FailsAtStartUp(string metadata, string expected)
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, metadata);
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => LocalFunctionsHost.Create(
                new LocalHostOptions { Url = "http://127.0.0.1:0", MetadataPath = path },
                CollabApp.Settings(emulators)));
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SettingsComeFromLocalSettingsJson_WhenPresent_ElseTheSample()
    {
        var directory = Directory.CreateTempSubdirectory();
        try
        {
            File.Copy(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json"), Path.Combine(directory.FullName, "local.settings.sample.json"));
            Assert.EndsWith("local.settings.sample.json", LocalSettings.Choose(directory.FullName));
            Assert.Equal("collab", LocalSettings.Load(LocalSettings.Choose(directory.FullName))["WebPubSub:Hub"]);

            File.WriteAllText(Path.Combine(directory.FullName, "local.settings.json"), """{"Values":{"WebPubSub__Hub":"mine"}}""");
            Assert.Equal("mine", LocalSettings.Load(LocalSettings.Choose(directory.FullName))["WebPubSub:Hub"]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<HttpClient> SignedInAsync(LocalStack stack, string name)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = stack.BaseAddress };
        var signIn = await http.PostAsync("/.auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = name }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return http;
    }
}
