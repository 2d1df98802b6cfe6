using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collab.Functions.Tests.Infrastructure;
using Collab.Protocols.WebPubSub;
using Collab.Testing;
using Microsoft.Extensions.Logging;
using static Collab.Functions.Tests.Infrastructure.TokenRequests;
using Metrics = Collab.Boards.Telemetry.CollabTelemetry.Metrics;
using Spans = Collab.Boards.Telemetry.CollabTelemetry.Spans;
using Tags = Collab.Boards.Telemetry.CollabTelemetry.Tags;

namespace Collab.Functions.Tests.Telemetry;

/// <summary>
/// Nothing secret leaves the process: the real worker, started by the local host with its telemetry exported over
/// OTLP to a receiver in the test process and its logs captured at Trace, walks every path that handles a secret —
/// ACS tokens and the Teams exchange (shared/protocols/acs-chat-rooms.md §9), negotiate and its Web PubSub client
/// token (shared/protocols/web-pubsub.md §2), the Fluid token, the controller's chat and room calls with its own
/// bearer token, signed upstream events (web-pubsub.md §4, <c>ce-signature</c>), the ACS events webhook with its
/// secret header (acs-chat-rooms.md §11) — as a user with a distinctive display name. Then no token, key,
/// connection string, secret, signature or display name may be in any log entry of the host or the worker, nor in any
/// span or metric attribute, resource attribute, span event, status message or name: every export request's bytes are
/// searched, not only the fields the receiver decodes.
/// </summary>
public sealed class TelemetryPrivacyTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    // Any JWT (header and payload are base64url JSON objects): the tokens we issue, and those the worker mints or holds
    // for its own REST calls (Web PubSub's bearer tokens, the controller's ACS token), which the test never sees.
    private static readonly Regex Jwt = new(@"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}", RegexOptions.CultureInvariant);

    [Fact]
    public async Task SecretHandlingPaths_LeaveNoSecretInLogsOrTelemetry()
    {
        var logs = new LogCapture();
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var stack = await LocalStack.StartAsync(
            emulators,
            settings =>
            {
                LocalStack.ExportTelemetryTo(settings, receiver);
                settings["Logging:LogLevel:Default"] = "Trace";
            },
            logs,
            captureLevel: LogLevel.Trace);
        var displayName = "Zephyrine Quillfeather-" + Guid.NewGuid().ToString("N")[..6];
        using var user = await stack.SignInAsync(displayName);
        var wpsKey = emulators.WebPubSubOptions.AccessKey;
        var secrets = new List<string>
        {
            displayName,
            wpsKey,
            emulators.AcsOptions.AccessKey,
            emulators.WebPubSubConnectionString,
            emulators.AcsConnectionString,
            CollabApp.FluidTenantKey,
            CollabApp.EventsSecret,
            "AccountKey=",
            "Bearer ey",
            "&Signature=",
            "sha256=",
        };

        // ACS: the caller's token, then the Teams exchange (the Entra token in, an ACS token out).
        secrets.Add((await IssueAcsTokenAsync(user)).Token);
        var appId = Guid.NewGuid().ToString();
        var oid = Guid.NewGuid().ToString();
        var entraToken = EntraToken(appId, oid);
        secrets.Add(entraToken);
        using (var teams = await user.PostAsJsonAsync("api/acs/token/teams", new { token = entraToken, appId, userId = oid }))
        {
            secrets.Add((await BoardApi.JsonAsync(teams, HttpStatusCode.OK)).GetProperty("token").GetString()!);
        }

        // Web PubSub: negotiate, connect through the emulator (signed connect and connected events), one stroke (a
        // signed user event); and one event sent straight to the handler, whose signature the test made.
        var boardId = await BoardApi.CreateAsync(user);
        var negotiated = await NegotiateAsync(user, boardId);
        secrets.Add(negotiated.Url.Query.Split("access_token=")[1]);
        await using (var client = await WebSocketTestClient.ConnectAsync(negotiated.Url))
        {
            var connected = await client.ReceiveAsync("system");
            secrets.Add(CloudEventSignature.Create(connected.GetProperty("connectionId").GetString()!, [wpsKey]));
            await client.SendAsync("""{"type":"event","event":"addShape","dataType":"json","ackId":1,"data":{"opId":"p1","shape":{"id":"p1","kind":"rect","color":"#1e90ff","width":2,"x":1,"y":1,"w":3,"h":4}}}""");
            Assert.True((await client.ReceiveAsync("ack")).GetProperty("success").GetBoolean());
        }

        using (var direct = UpstreamEvents.UserMessage(
            new Uri(stack.BaseAddress, "api/eventhandler"), wpsKey, stack.Settings["WebPubSub:Hub"]!, "addShape", "privacy-direct", LocalStack.UserIdOf(displayName), boardId,
            """{"opId":"p2","shape":{"id":"p2","kind":"rect","color":"#1e90ff","width":2,"x":1,"y":1,"w":3,"h":4}}"""))
        {
            secrets.Add(direct.Headers.GetValues("ce-signature").Single());
            secrets.Add(direct.Headers.GetValues("ce-connectionState").Single());
            using var anonymous = stack.Anonymous();
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(direct)).StatusCode);
        }

        // Fluid: a token, and a refusal (another user's id).
        secrets.Add(await FluidTokenAsync(user, "?tenantId=collab-tests&boardId=" + boardId));
        using (var refused = await user.GetAsync("api/fluid/token?tenantId=collab-tests&userId=mallory&boardId=" + boardId))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // The controller's ACS calls, with its own bearer token: the board's chat thread and its room.
        string threadId;
        using (var chat = await user.PostAsync($"api/boards/{boardId}/chat", null))
        {
            threadId = (await BoardApi.JsonAsync(chat, HttpStatusCode.OK)).GetProperty("threadId").GetString()!;
        }

        using (var call = await user.PostAsync($"api/boards/{boardId}/call", null))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        // The ACS events webhook: the handshake and a message of the board's thread sent under the display name.
        using (var anonymous = stack.Anonymous())
        {
            using var handshake = new HttpRequestMessage(HttpMethod.Options, "api/acs/events");
            handshake.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");
            handshake.Headers.Add("X-Collab-Events-Secret", CollabApp.EventsSecret);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(handshake)).StatusCode);
            using var delivery = new HttpRequestMessage(HttpMethod.Post, "api/acs/events")
            {
                Content = new StringContent(ChatMessageReceived(threadId, displayName), Encoding.UTF8, "application/json"),
            };
            delivery.Headers.Add("X-Collab-Events-Secret", CollabApp.EventsSecret);
            delivery.Headers.Add("aeg-event-type", "Notification");
            delivery.Headers.Add("aeg-delivery-count", "0");
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(delivery)).StatusCode);
        }

        // Every path above reported: each kind of token, the stroke, the ACS calls; then the exporters went quiet.
        await receiver.WaitForSpansAsync(
            spans => new[] { "acs", "teams", "web-pubsub", "fluid" }.All(kind => spans.Any(s => s.Name == Spans.Token && Equals(s.Attributes.GetValueOrDefault(Tags.TokenKind), kind)))
                && spans.Count(s => s.Name == Spans.Event && Equals(s.Attributes.GetValueOrDefault(Tags.BoardId), boardId) && Equals(s.Attributes.GetValueOrDefault(Tags.EventName), "addShape")) == 2
                && spans.Any(s => s.Name == Spans.AcsRequest),
            Wait);
        await receiver.WaitForMetricPointsAsync(points => points.Any(p => p.Name == Metrics.Refusals), Wait);
        await QuietAsync(receiver);

        // The capture saw what it must: the worker's own entries, the ACS client's headers at Trace, every kind of export.
        Assert.Contains(logs.Entries, e => e.StartsWith("Information Collab.Functions.", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.StartsWith("Trace System.Net.Http.HttpClient.AcsRestPipeline.ClientHandler: Request Headers", StringComparison.Ordinal));
        Assert.Contains(receiver.Spans, s => s.Scope == "Microsoft.AspNetCore" || s.Scope.StartsWith("System.Net.Http", StringComparison.Ordinal) || s.Scope == "OpenTelemetry.Instrumentation.Http");

        // Logs. The local host, standing in for the platform, logs the URLs it serves and forwards, query included (as
        // App Service's HTTP logs do), and the webhook's secret rides in its URL: only those host lines may hold it.
        var hostAuthority = stack.BaseAddress.GetLeftPart(UriPartial.Authority);
        bool IsHostRequestLine(string entry) =>
            entry.StartsWith("Information Yarp.ReverseProxy.", StringComparison.Ordinal)
            || (entry.StartsWith("Information Microsoft.AspNetCore.Hosting.Diagnostics: Request ", StringComparison.Ordinal) && entry.Contains(hostAuthority + "/api/acs/events?", StringComparison.Ordinal));
        foreach (var entry in logs.Entries.Where(e => !IsHostRequestLine(e)))
        {
            AssertHoldsNoSecret(entry, secrets, "A log entry");
        }

        // Telemetry: every decoded string first (for a readable failure), then every byte of every export request.
        foreach (var span in receiver.Spans)
        {
            var strings = new[] { span.Name }.Concat(span.Attributes.Select(a => $"{a.Key}={a.Value}")).Concat(span.Resource.Select(a => $"{a.Key}={a.Value}"));
            AssertHoldsNoSecret(string.Join(" | ", strings), secrets, $"Span {span.Name} ({span.Scope})");
        }

        foreach (var point in receiver.MetricPoints)
        {
            AssertHoldsNoSecret($"{point.Name} | " + string.Join(" | ", point.Attributes.Select(a => $"{a.Key}={a.Value}")), secrets, $"Metric point {point.Name}");
        }

        Assert.NotEmpty(receiver.RawExports);
        foreach (var export in receiver.RawExports)
        {
            // Latin-1 maps byte for byte, so an ASCII secret is found wherever its UTF-8 bytes are; the display name
            // (ASCII too) is checked the same way.
            AssertHoldsNoSecret(Encoding.Latin1.GetString(export), secrets, "An OTLP export request");
        }
    }

    private static void AssertHoldsNoSecret(string text, IEnumerable<string> secrets, string what)
    {
        foreach (var secret in secrets)
        {
            var at = text.IndexOf(secret, StringComparison.Ordinal);
            Assert.True(at < 0, $"{what} holds a secret ({secret[..Math.Min(secret.Length, 12)]}...): ...{Around(text, at)}...");
        }

        var jwt = Jwt.Match(text);
        Assert.False(jwt.Success, $"{what} holds a JWT: ...{Around(text, jwt.Index)}...");
    }

    // The text around a find, with protobuf's binary framing shown as dots.
    private static string Around(string text, int at) =>
        new([.. text.Substring(Math.Max(0, at - 60), Math.Min(text.Length - Math.Max(0, at - 60), 140)).Select(c => char.IsControl(c) || c > '~' ? '.' : c)]);

    /// <summary>Waits until no span or metric point has arrived for a second: the exporters have sent what they held.</summary>
    private static async Task QuietAsync(OtlpReceiver receiver)
    {
        var deadline = DateTime.UtcNow + Wait;
        var last = -1;
        while (receiver.RawExports.Count != last && DateTime.UtcNow < deadline)
        {
            last = receiver.RawExports.Count;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>An Entra token for the Teams exchange (the emulator checks its claims, not its signature), with a distinctive signature part.</summary>
    private static string EntraToken(string appId, string oid)
    {
        static string Part(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return $"{Part(new { alg = "RS256", typ = "JWT" })}.{Part(new { aud = "https://communication.azure.com", appid = appId, oid, exp })}.cHJpdmFjeS10ZXN0LXNpZ25hdHVyZS0{Guid.NewGuid():N}";
    }

    /// <summary>A <c>ChatMessageReceivedInThread</c> event in the Event Grid schema (acs-chat-rooms.md §13.2) from <paramref name="sender"/>.</summary>
    private static string ChatMessageReceived(string threadId, string sender) =>
        $$$"""[{"id":"ev-{{{Guid.NewGuid():N}}}","topic":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Communication/communicationServices/c","subject":"thread/{{{threadId}}}/sender/8:acs:res1_privacy","data":{"messageBody":"hello","messageId":"1768471500000","type":"Text","version":1768471500000,"senderDisplayName":{{{JsonSerializer.Serialize(sender)}}},"senderCommunicationIdentifier":{"rawId":"8:acs:res1_privacy","communicationUser":{"id":"8:acs:res1_privacy"}},"composeTime":"2027-01-15T10:05:00.000+00:00","threadId":"{{{threadId}}}","transactionId":"tx-0001"},"eventType":"Microsoft.Communication.ChatMessageReceivedInThread","dataVersion":"1.0","metadataVersion":"1","eventTime":"2027-01-15T10:05:00.5000000Z"}]""";
}
