using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;

namespace Collab.Functions.Tests.LocalHost;

/// <summary>
/// The local Functions host driving a real isolated worker (the probe app) over the host protocol, observed from
/// outside as a client of Azure Functions would: failures, cancellation, timeouts, routing, bindings, timers and
/// the admin endpoint. Facts: ../shared/protocols/functions-host-grpc.md.
/// </summary>
public sealed class HostProtocolTests(ProbeHost probe) : IClassFixture<ProbeHost>
{
    [Fact]
    public async Task AFunctionThatThrows_Gets500_WithNothingOfTheWorkersEmpty200()
    {
        using var http = probe.Client();

        var response = await http.GetAsync("probe/throw");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Contains(probe.Logs.Entries, e => e.Contains("Function Throw invocation", StringComparison.Ordinal) && e.Contains("Thrown on purpose", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClientThatGoesAway_CancelsTheInvocationInTheWorker()
    {
        var marker = "probe-cancelled-" + Guid.NewGuid().ToString("N");
        var path = Path.Combine(Path.GetTempPath(), marker);
        using var http = probe.Client();
        using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.GetAsync($"probe/slow/{marker}", abort.Token));
        await Eventually.UntilAsync(() => File.Exists(path), TimeSpan.FromSeconds(10));

        Assert.True(File.Exists(path), "The worker's function was not cancelled after its client went away.");
        File.Delete(path);
    }

    [Fact]
    public async Task RoutesComeFromTheWorker_WithTheRoutePrefixOfHostJson_ConstraintsAndMethods()
    {
        using var http = probe.Client();

        var echo = await http.GetFromJsonAsync<JsonElement>("probe/echo/7?color=red&code=secret");
        var notAnInt = await http.GetAsync("probe/echo/seven");
        var wrongMethod = await http.DeleteAsync("probe/echo/7");
        var withoutPrefix = await http.GetAsync("api/echo/7");

        Assert.Equal(7, echo.GetProperty("id").GetInt32());
        Assert.Equal("GET", echo.GetProperty("method").GetString());
        Assert.Equal("red", echo.GetProperty("query").GetProperty("color").GetString());
        // The worker sees the host the client named (X-Forwarded-Host), not its own loopback port.
        Assert.Equal(probe.Host.BaseAddress.Authority, echo.GetProperty("host").GetString());
        Assert.Equal(HttpStatusCode.NotFound, notAnInt.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withoutPrefix.StatusCode);
    }

    [Fact]
    public async Task ABlobOutput_IsWrittenAtItsResolvedPath_AndAnUnresolvablePathFailsBeforeTheFunctionRuns()
    {
        using var http = probe.Client();
        var container = new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient(probe.Container);

        var written = await http.PostAsync("probe/write/note?suffix=v1", new StringContent("hello from the probe"));
        var unbound = await http.PostAsync("probe/write/other", new StringContent("never written"));

        Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, unbound.StatusCode);
        var blob = container.GetBlobClient("note-v1.txt");
        await Eventually.UntilAsync(async () => (await blob.ExistsAsync()).Value, TimeSpan.FromSeconds(10));

        Assert.Equal("hello from the probe", (await blob.DownloadContentAsync()).Value.Content.ToString());
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync())
        {
            names.Add(item.Name);
        }

        Assert.Equal(["note-v1.txt"], names);
        Assert.Contains(probe.Logs.Entries, e => e.Contains("No value for named parameter 'suffix'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATimer_FiresOnItsSchedule_WithIsPastDueFalse_AndItsLogReachesTheHost()
    {
        await Eventually.UntilAsync(() => probe.Logs.Entries.Any(e => e.Contains("Tick ran; past due: False", StringComparison.Ordinal)), TimeSpan.FromSeconds(15));

        Assert.Contains(probe.Logs.Entries, e => e.Contains("Tick ran; past due: False", StringComparison.Ordinal));
        Assert.DoesNotContain(probe.Logs.Entries, e => e.Contains("Tick ran; past due: True", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminFunctions_RunsANonHttpFunctionOnDemand_AsCoreToolsDoes()
    {
        using var http = probe.Client();

        var run = await http.PostAsJsonAsync("admin/functions/Tick", new { input = "" });
        var noBody = await http.PostAsync("admin/functions/Tick", null);
        var unknown = await http.PostAsJsonAsync("admin/functions/Nope", new { input = "" });
        var httpFunction = await http.PostAsJsonAsync("admin/functions/Echo", new { input = "" });

        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, httpFunction.StatusCode);
        await Eventually.UntilAsync(() => probe.Logs.Entries.Any(e => e.Contains("Function Tick ran (on demand)", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));

        Assert.Contains(probe.Logs.Entries, e => e.Contains("Function Tick ran (on demand)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheFunctionTimeoutOfHostJson_FailsTheInvocation_AndRecyclesAWorkerThatIgnoresCancellation()
    {
        using var http = probe.Client();
        var before = probe.Host.Worker.Current!.ProcessId;
        var watch = Stopwatch.StartNew();

        var hung = await http.GetAsync("probe/hang");

        Assert.Equal(HttpStatusCode.InternalServerError, hung.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(15));
        Assert.Contains(probe.Logs.Entries, e => e.Contains("Timeout value of 00:00:04 exceeded by function 'Hang'", StringComparison.Ordinal));
        await Eventually.UntilAsync(() => (probe.Host.Worker.Current?.ProcessId ?? before) != before, TimeSpan.FromSeconds(30));

        Assert.NotEqual(before, probe.Host.Worker.Current?.ProcessId ?? before);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("probe/echo/1")).StatusCode);
    }
}
