using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Collab.Functions.Boards;
using Collab.Functions.Events;
using Collab.Functions.Http;
using Collab.Functions.Tests.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;

namespace Collab.Functions.Tests.Fuzz;

/// <summary>
/// Random and mutated requests against the event handler and the token endpoints (CsCheck): no 5xx, no unhandled
/// exception, and nothing stored from what was refused. Counts are in docs/reliability.md.
/// </summary>
public sealed class EventHandlerFuzzTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private const int Cases = 10_000;

    private static readonly string[] Events = ["addShape", "updateShape", "removeShape", "clear", "setBackground", "chat", "drawTriangle", ""];

    private static readonly Gen<string> Nasty = Gen.OneOf(
        Gen.String,
        Gen.Char.Array[0, 50].Select(c => new string(c)),
        Gen.Const("NaN"), Gen.Const("Infinity"), Gen.Const("-0"), Gen.Const("1e400"), Gen.Const("-1e308"), Gen.Const("9007199254740993"),
        Gen.Const("\u0000\u0007\u202e"), Gen.Const("😀🎨"), Gen.Const("é"), Gen.Const(new string('x', 70_000)),
        Gen.Const("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
        Gen.Const("{\"opId\":"), Gen.Const("null"), Gen.Const("{}"), Gen.Const("[]"), Gen.Const("\"\""));

    private static readonly Gen<string> Json = Gen.OneOf(
        Gen.Const("""{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#000000","width":1,"x":0,"y":0,"w":1,"h":1}}"""),
        Gen.Const("""{"opId":"o1","text":"hi"}"""),
        Gen.Const("""{"opId":"o1","shapeId":"s1"}"""),
        Gen.Const("""{"opId":"o1","color":"#ffffff"}"""),
        Gen.Const("""{"opId":"o1"}"""),
        Nasty.Select(value => JsonSerializer.Serialize(new { opId = value, shape = new { id = value, kind = value, color = value, width = value } })),
        Nasty.Select(number => $$$"""{"opId":"o1","shape":{"id":"s1","kind":"circle","color":"#000000","width":{{{number}}},"x":{{{number}}},"y":0,"r":{{{number}}}}}"""),
        Gen.Int[1, 2000].Select(depth => "{\"opId\":\"o\",\"shape\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}"),
        Nasty);

    [Fact]
    public async Task RandomAndMutatedCloudEvents_NeverFail_AndRefusedOnesStoreNothing()
    {
        await using var app = CollabApp.Start(CollabApp.Settings(emulators));
        var boards = Enumerable.Range(0, 3).Select(_ => LiveBoardsTests.NewBoard()).ToArray();
        var key = emulators.WebPubSubOptions.AccessKey;
        var committed = new ConcurrentDictionary<(string Board, long Seq), byte>();
        var statuses = new ConcurrentDictionary<int, int>();
        var gen = Gen.Select(Gen.Int[0, boards.Length - 1], Gen.OneOf(Events.Select(Gen.Const).ToArray()), Json, Gen.Int[0, 12], Nasty, Gen.Int[0, 1_000_000]);

        await gen.SampleAsync(async (board, eventName, body, mutation, noise, opSeed) =>
        {
            var boardId = boards[board];
            var text = body.Replace("\"o1\"", $"\"op{opSeed}\"", StringComparison.Ordinal);
            var request = UpstreamEvents.User(app, key, eventName, "conn" + opSeed % 7, "user" + opSeed % 5, boardId, text);
            Mutate(request, mutation, noise, key);

            var result = await app.Function<WebPubSubEventsFunction>().Run(request, CancellationToken.None);

            var status = Status(result);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status >= 500)
            {
                return false;
            }

            if (status == 200 && result is OkObjectResult { Value: var value })
            {
                committed.TryAdd((boardId, JsonSerializer.SerializeToElement(value).GetProperty("seq").GetInt64()), 0);
            }

            return true;
        }, iter: Cases);

        foreach (var boardId in boards)
        {
            var seqs = committed.Keys.Where(k => k.Board == boardId).Select(k => k.Seq).Order().ToList();
            var state = await LiveBoardsTests.Live(app).GetCurrentAsync(boardId, CancellationToken.None);
            var log = await LiveBoardsTests.AllOpsAsync(LiveBoardsTests.Live(app), boardId);
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            Assert.Equal(seqs.Count, state.Seq);
            Assert.Equal(seqs.Count, log.Count);
        }

        Assert.True(statuses.Keys.Count(s => s >= 400) >= 3, $"The fuzzer should reach several refusals: {string.Join(", ", statuses)}");
        Assert.True(statuses.ContainsKey(200), "The fuzzer should reach valid operations too.");
        Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "artifacts"));
        await File.WriteAllTextAsync(Path.Combine(RepositoryRoot.Path, "artifacts", "fuzz-event-handler.txt"), string.Join('\n', statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}\t{s.Value}")));
    }

    [Fact]
    public async Task RandomTokenEndpointInputs_NeverFail()
    {
        var settings = CollabApp.Settings(emulators);
        settings["RateLimit:PermitsPerMinute"] = "100000";
        await using var app = CollabApp.Start(settings);
        var statuses = new ConcurrentDictionary<int, int>();
        var principal = Gen.OneOf(
            Gen.Const((string?)null),
            Nasty.Select(s => (string?)s),
            Nasty.Select(s => (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes(s))),
            Nasty.Select(s => (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes($$"""{"auth_typ":{{JsonSerializer.Serialize(s)}},"claims":[{"typ":"name","val":{{JsonSerializer.Serialize(s)}}}]}"""))));
        var gen = Gen.Select(principal, Nasty, Nasty, Nasty, Gen.Int[0, 2]);

        await gen.SampleAsync(async (principalHeader, userId, boardId, query, endpoint) =>
        {
            var request = app.Request(endpoint == 1 ? "GET" : "POST", null, query: "?" + Uri.EscapeDataString(query) + "=" + Uri.EscapeDataString(userId) + "&tenantId=" + Uri.EscapeDataString(boardId));
            if (principalHeader is not null)
            {
                request.Headers["X-MS-CLIENT-PRINCIPAL"] = principalHeader;
                request.Headers["X-MS-CLIENT-PRINCIPAL-ID"] = userId.Length > 300 ? userId[..300] : userId;
            }

            IActionResult result = endpoint switch
            {
                0 => await app.Function<NegotiateFunction>().Run(request, boardId),
                1 => await app.Function<FluidTokenFunction>().Run(request),
                _ => await app.Function<AcsTokenFunction>().Run(request, CancellationToken.None),
            };
            var status = Status(result);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            return status < 500;
        }, iter: 3_000);

        Assert.True(statuses.ContainsKey(401) && statuses.Keys.Any(s => s is 400 or 404), string.Join(", ", statuses));
        Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "artifacts"));
        await File.WriteAllTextAsync(Path.Combine(RepositoryRoot.Path, "artifacts", "fuzz-token-endpoints.txt"), string.Join('\n', statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}\t{s.Value}")));
    }

    private static void Mutate(HttpRequest request, int mutation, string noise, string key)
    {
        var headers = request.Headers;
        switch (mutation)
        {
            case 0:
                break;
            case 1:
                headers.Remove(new[] { "ce-signature", "ce-type", "ce-hub", "ce-connectionId", "ce-id", "ce-specversion", "ce-userId", "ce-connectionState" }[Math.Abs(noise.Length) % 8]);
                break;
            case 2:
                headers["ce-signature"] = "sha256=" + noise;
                break;
            case 3:
                var signature = headers["ce-signature"].ToString();
                headers["ce-signature"] = noise.Length % 2 == 0 ? signature.ToUpperInvariant() : signature[..^1] + (signature[^1] == '0' ? '1' : '0');
                break;
            case 4:
                headers["ce-hub"] = noise;
                break;
            case 5:
                headers["ce-type"] = noise.Length % 2 == 0 ? "azure.webpubsub.user." + noise : noise;
                break;
            case 6:
                headers["ce-connectionState"] = noise.Length % 3 == 0 ? noise : Convert.ToBase64String(Encoding.UTF8.GetBytes(noise));
                break;
            case 7:
                request.ContentType = noise.Length % 2 == 0 ? "text/plain" : noise;
                break;
            case 8:
                var bytes = Encoding.UTF8.GetBytes(noise);
                request.Body = new MemoryStream(bytes);
                request.ContentLength = bytes.Length;
                break;
            case 9:
                headers["ce-connectionState"] = new ConnectionState(noise.Length > 64 ? noise[..64] : noise, noise).Encode();
                break;
            case 10:
                headers["ce-signature"] = string.Join(",", Enumerable.Repeat(headers["ce-signature"].ToString(), noise.Length % 5));
                break;
            case 11:
                headers["ce-userId"] = noise;
                break;
            default:
                headers["ce-signature"] = Collab.Protocols.WebPubSub.CloudEventSignature.Create(noise, new[] { key });
                break;
        }
    }

    private static int Status(IActionResult result) => result switch
    {
        ProblemResult problem => problem.StatusCode,
        ObjectResult { StatusCode: { } code } => code,
        ContentResult { StatusCode: { } code } => code,
        IStatusCodeActionResult { StatusCode: { } code } => code,
        _ => 200,
    };
}
