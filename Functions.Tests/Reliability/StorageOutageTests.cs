using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Boards;
using Collab.Functions.Tests.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Reliability;

/// <summary>
/// Storage goes away in the middle of a run, under the real worker driven by the local host: acknowledged operations survive, unacknowledged ones are refused with a
/// retryable 503 that says nothing of the exception, and their retries (same operation id, as Web PubSub resends
/// them) are applied exactly once when storage is back.
/// </summary>
public sealed class StorageOutageTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task AzuriteStopsForAWhile_NothingAcknowledgedIsLost_RetriesApplyOnce()
    {
        var location = Directory.CreateTempSubdirectory("azurite-outage");
        var port = FreePort.Next();
        var azurite = StartAzurite(port, location.FullName);
        try
        {
            await WaitForPortAsync(port);
            var storage = Azurite.ConnectionString.Replace(Environment.GetEnvironmentVariable("COLLAB_TEST_AZURITE_BLOB")!, $"http://127.0.0.1:{port}/devstoreaccount1", StringComparison.Ordinal);
            await using var stack = await LocalStack.StartAsync(emulators, settings => settings["AzureWebJobsStorage"] = storage);
            using var http = new HttpClient();
            var boardId = LiveBoardsTests.NewBoard();
            // Operations are stored only for a board that exists.
            await stack.Services.GetRequiredService<BoardStore>().CreateOrUpdateAsync(
                new BoardMetadata(boardId, "outage", BoardVisibility.Public, "owner", [], DateTimeOffset.UtcNow), "owner", CancellationToken.None);
            var key = emulators.WebPubSubOptions.AccessKey;
            async Task<HttpResponseMessage> Send(int i) =>
                await http.SendAsync(UpstreamEvents.UserMessage(
                    new Uri(stack.BaseAddress, "api/eventhandler"), key, stack.Settings["WebPubSub:Hub"]!, "addShape", "c1", "alice", boardId, UpstreamClient.AddRect("op" + i.ToString(CultureInfo.InvariantCulture), "s" + i.ToString(CultureInfo.InvariantCulture), i), i.ToString(CultureInfo.InvariantCulture)));

            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Send(i)).StatusCode);
            }

            await StopAsync(azurite, port);
            var refused = new List<HttpResponseMessage>();
            for (var i = 5; i < 8; i++)
            {
                refused.Add(await Send(i));
            }

            azurite = StartAzurite(port, location.FullName);
            await WaitForPortAsync(port);
            var retried = new List<long>();
            for (var i = 5; i < 8; i++)
            {
                retried.Add(await SeqAsync(await Send(i)));
                retried.Add(await SeqAsync(await Send(i)));
            }

            foreach (var response in refused)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var body = await response.Content.ReadAsStringAsync();
                Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
                Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
            }

            Assert.Equal([6L, 6, 7, 7, 8, 8], retried);
            var log = await LiveBoardsTests.AllOpsAsync(stack.Services.GetRequiredService<LiveBoards>(), boardId);
            Assert.Equal(Enumerable.Range(0, 8).Select(i => $"op{i}"), log.Select(o => o.OpId));
            Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), log.Select(o => o.Seq));
        }
        finally
        {
            azurite.Kill(entireProcessTree: true);
            location.Delete(recursive: true);
        }
    }

    // Azurite keeps its metadata in memory and saves it on shutdown, so it is stopped the way an outage that keeps
    // acknowledged data looks: TERM, wait until it no longer listens, then make sure the process is gone.
    private static async Task StopAsync(Process azurite, int port)
    {
        azurite.StandardInput.Close();
        Process.Start("kill", ["-TERM", azurite.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        for (var i = 0; i < 100 && await ListensAsync(port); i++)
        {
            await Task.Delay(100);
        }

        await Task.Delay(500);
        azurite.Kill(entireProcessTree: true);
        await azurite.WaitForExitAsync();
    }

    private static async Task<bool> ListensAsync(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task<long> SeqAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetInt64();
    }

    private static Process StartAzurite(int port, string location)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "node_modules", ".bin", "azurite-blob"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--silent", "--skipApiVersionCheck", "--loose", "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture), "--location", location })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; i < 100 && !await ListensAsync(port); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(await ListensAsync(port), $"Azurite did not listen on {port}.");
    }
}
