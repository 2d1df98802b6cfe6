using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Boards;
using Collab.Functions.Tests.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.LocalHost.Hosting;
using Collab.LocalHost.Metadata;
using Collab.LocalHost.Rpc;
using Collab.LocalHost.Worker;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.LocalHost;

/// <summary>
/// The Function App as Azure runs it: the built Collab.Functions.dll in its own process, driven by the local host over
/// the host protocol, over real HTTP: routes, dev sign-in, blob outputs, timers, restarts, start-up failures.
/// </summary>
public sealed class LocalFunctionsHostTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task TheWorkerIsTheBuiltFunctionApp_InItsOwnProcess_ServingEveryHttpFunctionOnItsRouteAndMethods()
    {
        await using var stack = await LocalStack.StartAsync(emulators);
        using var http = new HttpClient { BaseAddress = stack.BaseAddress };
        var functions = JsonSerializer.Deserialize<List<DeclaredFunction>>(await File.ReadAllTextAsync(RepositoryRoot.FunctionsMetadata), Json)!;
        var worker = stack.Host.Worker.Current!;
        var commandLine = (await File.ReadAllTextAsync($"/proc/{worker.ProcessId}/cmdline")).Split('\0');

        var health = await http.GetAsync("api/health");
        var wrongMethod = await http.DeleteAsync("api/health");

        Assert.NotEqual(Environment.ProcessId, worker.ProcessId);
        Assert.Contains(commandLine, a => a.EndsWith("Collab.Functions.dll", StringComparison.Ordinal));
        Assert.Contains("--functions-uri", commandLine);
        Assert.Equal(functions.Select(f => f.Name).Order(), stack.Host.Worker.Functions.Keys.Order());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        // The two webhooks authenticate their callers themselves (a signature, a secret header), not by a principal.
        foreach (var function in functions.Where(f => f.Trigger.Type == "httpTrigger" && f.Name != "Health" && f.Name != "WebPubSubEvents" && f.Name != "AcsEvents"))
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
        using var sameOrigin = new HttpRequestMessage(HttpMethod.Post, "api/acs/token");
        sameOrigin.Headers.Add("Origin", stack.BaseAddress.GetLeftPart(UriPartial.Authority));
        var token = await http.SendAsync(sameOrigin);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/#/board/b1", signIn.Headers.Location!.OriginalString);
        Assert.Equal("Alice", me[0].GetProperty("user_claims")[0].GetProperty("val").GetString());
        Assert.StartsWith("dev-", me[0].GetProperty("user_id").GetString());
        // The worker sees the host the browser named, so a same-origin POST is admitted.
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task CreateSnapshot_WritesItsBlobOutputThroughTheHost_AndAnUnboundPathFailsTheInvocation()
    {
        await using var stack = await LocalStack.StartAsync(emulators);
        using var http = await SignedInAsync(stack, "Alice");
        var boardId = LiveBoardsTests.NewBoard();
        await http.PutAsJsonAsync($"api/boards/{boardId}", new { title = "Local" });
        await stack.Services.GetRequiredService<BoardCommitter>().CommitAsync(boardId, "x", LiveBoardsTests.AddRect("s", 1), CancellationToken.None);

        var created = await http.PostAsync($"api/boards/{boardId}/snapshots?seq=1", null);
        var unbound = await http.PostAsync($"api/boards/{boardId}/snapshots", null);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, unbound.StatusCode);
        var snapshots = stack.Services.GetRequiredService<BoardStore>();
        Assert.Equal([1L], await PollSnapshotsAsync(snapshots, boardId));
        Assert.NotNull(await snapshots.LoadLatestSnapshotAsync(boardId, null, CancellationToken.None));
    }

    [Fact]
    public async Task TheSnapshotTimer_FiresOnItsSchedule()
    {
        await using var stack = await LocalStack.StartAsync(emulators, settings => settings["Boards:SnapshotSchedule"] = "*/1 * * * * *");
        var boardId = await CreateBoardWithOneOpAsync(stack);

        Assert.Equal([1L], await PollSnapshotsAsync(stack.Services.GetRequiredService<BoardStore>(), boardId));
    }

    [Fact]
    public async Task AdminFunctions_RunsTheSnapshotTimerOnDemand()
    {
        // February 29th is usually months away: longer than one timer wait may be, so the host must wait in steps.
        await using var stack = await LocalStack.StartAsync(emulators, settings => settings["Boards:SnapshotSchedule"] = "0 0 0 29 2 *");
        using var http = new HttpClient { BaseAddress = stack.BaseAddress };
        var boardId = await CreateBoardWithOneOpAsync(stack);
        // The timer visits the board once its commit's activity bucket has closed.
        await Task.Delay(CollabApp.ActivityBucketClosed);

        var run = await http.PostAsJsonAsync("admin/functions/SnapshotTimer", new { input = "" });

        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        Assert.Equal([1L], await PollSnapshotsAsync(stack.Services.GetRequiredService<BoardStore>(), boardId));
    }

    [Fact]
    public async Task AKilledWorker_IsRestarted_WhileTheHostKeepsAnswering()
    {
        await using var stack = await LocalStack.StartAsync(emulators);
        using var http = new HttpClient { BaseAddress = stack.BaseAddress };
        var killed = stack.Host.Worker.Current!.ProcessId;

        Process.GetProcessById(killed).Kill();
        await Eventually.UntilAsync(() => stack.Host.Worker.Current?.ProcessId != killed, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));

        var duringRestart = await http.GetAsync("api/health");
        var webApp = await http.GetAsync("/");
        await Eventually.UntilAsync(() => stack.Host.Worker.Current is not null, TimeSpan.FromSeconds(30));

        var afterRestart = await http.GetAsync("api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, duringRestart.StatusCode);
        Assert.NotNull(duringRestart.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, webApp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterRestart.StatusCode);
        Assert.NotEqual(killed, stack.Host.Worker.Current!.ProcessId);
    }

    [Fact]
    public async Task AWorkerThatCannotStart_StopsStartUp_WithTheWorkersOwnMessage()
    {
        var error = await Assert.ThrowsAsync<WorkerStartException>(() => LocalStack.StartAsync(emulators, settings => settings["WebPubSub:ConnectionString"] = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/wps)"));

        Assert.Contains("exited with code", error.Message);
        Assert.Contains("WebPubSub:ConnectionString", error.Message);
        Assert.Contains("Key Vault reference", error.Message);
    }

    [Fact]
    public async Task SecretsNeverReachTheLogs_OfTheHostOrTheWorker()
    {
        var logs = new LogCapture();
        await using var stack = await LocalStack.StartAsync(emulators, logs: logs);
        using var http = await SignedInAsync(stack, "Alice");

        var acs = await (await http.PostAsync("api/acs/token", null)).Content.ReadFromJsonAsync<JsonElement>();
        var boardId = LiveBoardsTests.NewBoard();
        (await http.PutAsJsonAsync($"api/boards/{boardId}", new { title = "secrets" })).EnsureSuccessStatusCode();
        var negotiate = await (await http.PostAsync($"api/boards/{boardId}/negotiate", null)).Content.ReadFromJsonAsync<JsonElement>();
        var fluid = await http.GetStringAsync($"api/fluid/token?tenantId={CollabApp.FluidTenantId}&boardId={boardId}");
        await http.DeleteAsync("api/acs/identity");

        string[] secrets =
        [
            emulators.WebPubSubOptions.AccessKey,
            emulators.AcsOptions.AccessKey,
            CollabApp.FluidTenantKey,
            "AccountKey=",
            acs.GetProperty("token").GetString()!,
            negotiate.GetProperty("url").GetString()!.Split("access_token=")[1],
            fluid,
        ];
        // Worker log lines arrive over the protocol (RpcLog) under the worker's categories.
        Assert.Contains(logs.Entries, e => e.Contains("Collab.Functions.", StringComparison.Ordinal));
        foreach (var entry in logs.Entries)
        {
            foreach (var secret in secrets)
            {
                Assert.False(entry.Contains(secret, StringComparison.Ordinal), $"A log entry holds a secret: {entry[..Math.Min(entry.Length, 160)]}");
            }
        }
    }

    [Fact]
    public async Task AnAppWithABindingTheHostDoesNotImplement_IsRefusedAtStartUp_ByName()
    {
        var error = await Assert.ThrowsAsync<WorkerStartException>(() => LocalFunctionsHost.StartAsync(
            new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = RepositoryRoot.BuildOutput("LocalHost.UnsupportedApp"), WebRoot = "" },
            new Dictionary<string, string?> { ["AzureWebJobsStorage"] = Azurite.ConnectionString }));

        Assert.Contains("Function 'Work' uses a queueTrigger (In) binding 'message', which the local host does not support", error.Message);
    }

    [Theory]
    [InlineData("""{"name":"m","type":"queueTrigger","direction":"In"}""", "a queueTrigger (In) binding 'm', which the local host does not support")]
    [InlineData("""{"name":"r","type":"httpTrigger","direction":"In","methods":["get"]}|{"name":"t","type":"cosmosDB","direction":"Out"}""", "a cosmosDB (Out) binding 't'")]
    [InlineData("""{"name":"r","type":"httpTrigger","direction":"In","authLevel":"Function","methods":["get"]}""", "authLevel Function")]
    public void WhatTheHostDoesNotImplement_IsRefusedAtStartUp_ByName(string bindings, string expected)
    {
        var response = new FunctionMetadataResponse
        {
            FunctionMetadataResults = { new RpcFunctionMetadata { Name = "F", FunctionId = "1", EntryPoint = "X.Y.Run", RawBindings = { bindings.Split('|') } } },
        };

        var error = Assert.Throws<InvalidOperationException>(() => FunctionsMetadataReader.Read(response));

        Assert.Contains("Function 'F'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task SigkillOfTheHost_LeavesNoWorkerBehind()
    {
        var settings = Path.GetTempFileName();
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new { Values = new Dictionary<string, string> { ["AzureWebJobsStorage"] = Azurite.ConnectionString, ["ProbeContainer"] = "probe-kill", ["TickSchedule"] = "0 0 0 1 1 *" } }));
        var hostDll = Path.Combine(RepositoryRoot.BuildOutput("LocalHost"), "Collab.LocalHost.dll");
        using var host = Process.Start(new ProcessStartInfo("dotnet", [hostDll, "--port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), "--app", ProbeHost.AppDirectory, "--settings", settings, "--web", ""])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var workerId = 0;
            using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (workerId == 0 && await host.StandardOutput.ReadLineAsync(ready.Token) is { } line)
            {
                var match = System.Text.RegularExpressions.Regex.Match(line, @"worker process (\d+)");
                workerId = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            }

            if (workerId == 0)
            {
                host.Kill();
                Assert.Fail("The host never reported its worker: " + await host.StandardError.ReadToEndAsync());
            }

            Assert.True(IsRunning(workerId));

            host.Kill();
            await Eventually.UntilAsync(() => !IsRunning(workerId), TimeSpan.FromSeconds(10));

            Assert.False(IsRunning(workerId), $"Worker {workerId} outlived its host.");
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }

            File.Delete(settings);
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

    // A zombie (exited, not yet reaped by whoever inherited it) is not running.
    private static bool IsRunning(int processId) =>
        File.Exists($"/proc/{processId}/stat") && File.ReadAllText($"/proc/{processId}/stat").Split(") ")[1][0] != 'Z';

    private static async Task<string> CreateBoardWithOneOpAsync(LocalStack stack)
    {
        var boardId = LiveBoardsTests.NewBoard();
        await stack.Services.GetRequiredService<BoardStore>().CreateOrUpdateAsync(
            new BoardMetadata(boardId, "t", BoardVisibility.Public, "x", [], DateTimeOffset.UtcNow), "x", CancellationToken.None);
        await stack.Services.GetRequiredService<BoardCommitter>().CommitAsync(boardId, "x", LiveBoardsTests.AddRect("s", 1), CancellationToken.None);
        return boardId;
    }

    private static async Task<List<long>> PollSnapshotsAsync(BoardStore snapshots, string boardId)
    {
        await Eventually.UntilAsync(async () => (await snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Count > 0, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));

        return (await snapshots.ListSnapshotsAsync(boardId, CancellationToken.None)).Select(s => s.Seq).ToList();
    }

    private static async Task<HttpClient> SignedInAsync(LocalStack stack, string name)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = stack.BaseAddress };
        var signIn = await http.PostAsync("/.auth/login/dev", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = name }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return http;
    }
}
