using System.Net;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.Logging;
using static Collab.Functions.Tests.Infrastructure.TokenRequests;

namespace Collab.Functions.Tests.Tokens;

/// <summary>
/// Every log entry of the host and the worker written while tokens are issued, refused and revoked over HTTP, at
/// Trace level, holds no secret.
/// </summary>
public sealed class SecretsNeverLoggedTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task TokenIssuance_LogsNoKeyConnectionStringOrToken()
    {
        var logs = new LogCapture();
        await using var stack = await LocalStack.StartAsync(
            emulators,
            settings =>
            {
                settings["RateLimit:PermitsPerMinute"] = "3";
                // The worker's own filter: with it, the worker sends the host everything down to Trace.
                settings["Logging:LogLevel:Default"] = "Trace";
            },
            logs,
            captureLevel: LogLevel.Trace);
        using var alice = await stack.SignInAsync("Alice");
        var issued = new List<string>();

        issued.Add((await IssueAcsTokenAsync(alice)).Token);
        var boardId = await BoardApi.CreateAsync(alice);
        issued.Add((await NegotiateAsync(alice, boardId)).Url.Query.Split("access_token=")[1]);
        issued.Add(await FluidTokenAsync(alice, "?tenantId=collab-tests&boardId=" + boardId));
        using (var refused = await alice.GetAsync("api/fluid/token?tenantId=collab-tests&userId=mallory&boardId=" + boardId))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var negotiated = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await PostNegotiateAsync(alice, boardId);
            negotiated.Add(response.StatusCode);
        }

        // Three permits a minute: the first negotiate above and two of these are served, the rest refused.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], negotiated);
        using (var deleted = await alice.DeleteAsync("api/acs/identity"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // The controller's chat calls carry its own bearer token.
        using (var chat = await alice.PostAsync($"api/boards/{boardId}/chat", null))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        // The webhook's secret rides in a header (a static Event Grid delivery attribute), never in its URL.
        using (var handshake = new HttpRequestMessage(HttpMethod.Options, "api/acs/events"))
        {
            handshake.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");
            handshake.Headers.Add("X-Collab-Events-Secret", CollabApp.EventsSecret);
            using var anonymous = stack.Anonymous();
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(handshake)).StatusCode);
        }

        // The check below covers what the worker itself logs, down to Trace: its own entries, and the ACS client's
        // request headers (where a key or token would be, if anywhere), which HttpClient logs only at Trace.
        Assert.Contains(logs.Entries, e => e.StartsWith("Information Collab.Functions.", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.StartsWith("Trace System.Net.Http.HttpClient.AcsRestPipeline.ClientHandler: Request Headers", StringComparison.Ordinal));
        string[] secrets =
        [
            emulators.WebPubSubOptions.AccessKey,
            emulators.AcsOptions.AccessKey,
            emulators.WebPubSubConnectionString,
            emulators.AcsConnectionString,
            CollabApp.FluidTenantKey,
            CollabApp.EventsSecret,
            "AccountKey=",
            "Bearer ey",
            .. issued,
            .. issued.Select(t => t.Split('.')[2]),
        ];
        foreach (var entry in logs.Entries)
        {
            foreach (var secret in secrets)
            {
                Assert.False(entry.Contains(secret, StringComparison.Ordinal), $"A log entry holds a secret: {entry[..Math.Min(entry.Length, 120)]}");
            }
        }
    }
}
