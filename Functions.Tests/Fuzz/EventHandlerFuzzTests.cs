using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Collab.Functions.Hub;
using Collab.Functions.Identity;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Collab.Functions.Tests.Fuzz;

/// <summary>
/// Random and mutated requests against the event handler and the token endpoints (CsCheck), over HTTP through the
/// local functions host and the real worker: no 5xx, and nothing stored from what was refused. Counts are in
/// docs/reliability.md.
/// </summary>
public sealed class EventHandlerFuzzTests(StackFixture fixture, ITestOutputHelper output) : IClassFixture<StackFixture>
{
    private const int Cases = 10_000;

    // Requests travel over sockets, so a case mostly waits: more threads than cores keep the worker busy.
    private const int Threads = 8;

    // A URL longer than System.Uri accepts cannot be sent at all; this is still twice the host's request-line limit.
    private const int MaxUrlValueLength = 16_000;

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

    // Display names a user may choose at sign-in (1 to 64 characters, no control characters), from the nasty values.
    // ASCII only: the local host cannot yet forward a non-ASCII X-MS-CLIENT-PRINCIPAL-NAME to the worker (it answers
    // 500 before the worker sees the request), so such names test the host, not the app; the reader's own fuzz
    // below covers them.
    private static readonly string[] HostileNames = ["NaN", "-0", "1e400", "9007199254740993", "{\"opId\":", "null", "[]", "\"\"", "<script>", new('x', 64)];

    // X-MS-CLIENT-PRINCIPAL values: none, garbage, base64 garbage, and base64 principals with garbage inside.
    private static readonly Gen<string?> Principals = Gen.OneOf(
        Gen.Const((string?)null),
        Nasty.Select(s => (string?)s),
        Nasty.Select(s => (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes(s))),
        Nasty.Select(s => (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes($$"""{"auth_typ":{{JsonSerializer.Serialize(s)}},"claims":[{"typ":"name","val":{{JsonSerializer.Serialize(s)}}}]}"""))));

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task RandomAndMutatedCloudEvents_NeverFail_AndRefusedOnesStoreNothing()
    {
        using var owner = await Stack.SignInAsync(BoardApi.NewUser("owner"));
        var boards = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            boards.Add(await BoardApi.CreateAsync(owner));
        }

        var key = fixture.Emulators.WebPubSubOptions.AccessKey;
        using var upstream = new UpstreamClient(Stack, key);
        var committed = new ConcurrentDictionary<(string Board, long Seq), byte>();
        var statuses = new ConcurrentDictionary<int, int>();
        var states = new ConnectionStateSealer([key]);
        var gen = Gen.Select(Gen.Int[0, boards.Count - 1], Gen.OneOf(Events.Select(Gen.Const).ToArray()), Json, Gen.Int[0, 15], Nasty, Gen.Int[0, 1_000_000]);
        var time = Stopwatch.StartNew();

        await gen.SampleAsync(async (board, eventName, body, mutation, noise, opSeed) =>
        {
            var text = body.Replace("\"o1\"", $"\"op{opSeed}\"", StringComparison.Ordinal);
            var request = upstream.User(eventName, "conn" + opSeed % 7, "user" + opSeed % 5, boards[board], text);
            Mutate(request, mutation, noise, key, boards);
            // A mutated connection state may be a genuine one of another board: the operation goes where it says.
            var target = states.Open(request.Headers.TryGetValues("ce-connectionState", out var state) ? state.Single() : null)?.BoardId;

            using var response = await upstream.SendAsync(request);

            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status >= 500)
            {
                return false;
            }

            if (status == 200 && target is not null)
            {
                committed.TryAdd((target, await UpstreamClient.SeqOfAsync(response)), 0);
            }

            return true;
        }, iter: Cases, threads: Threads);

        output.WriteLine($"{Cases} events in {time.Elapsed.TotalSeconds:F1} s");
        foreach (var boardId in boards)
        {
            var seqs = committed.Keys.Where(k => k.Board == boardId).Select(k => k.Seq).Order().ToList();
            var state = (await BoardApi.GetAsync(owner, boardId)).GetProperty("state");
            var log = await BoardApi.AllOpsAsync(owner, boardId);
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            Assert.Equal(seqs.Count, state.GetProperty("seq").GetInt64());
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
        // Callers: nobody; someone sending principal headers of their own, which the host drops as Easy Auth does;
        // and users signed in with hostile display names. Each signed-in user stays far below the rate limit.
        using var anonymous = Stack.Anonymous();
        var signedIn = new List<HttpClient>();
        foreach (var name in HostileNames)
        {
            signedIn.Add(await Stack.SignInAsync(name));
        }

        var statuses = new ConcurrentDictionary<int, int>();
        var gen = Gen.Select(Gen.Int[-1, signedIn.Count - 1], Principals, Nasty, Nasty, Nasty, Gen.Int[0, 2]);
        var time = Stopwatch.StartNew();

        try
        {
            await gen.SampleAsync(async (caller, principalHeader, userId, boardId, query, endpoint) =>
            {
                var path = endpoint switch
                {
                    0 => $"api/boards/{UrlValue(boardId)}/negotiate",
                    1 => "api/fluid/token",
                    _ => "api/acs/token",
                };
                // The Fluid token's board and container (its newest fields) get the same noise as the rest.
                var fluidFields = endpoint == 1 ? $"&boardId={UrlValue(boardId)}&documentId={UrlValue(query)}" : "";
                using var request = new HttpRequestMessage(endpoint == 1 ? HttpMethod.Get : HttpMethod.Post, $"{path}?{UrlValue(query)}={UrlValue(userId)}&tenantId={UrlValue(boardId)}{fluidFields}");
                if (principalHeader is not null)
                {
                    request.Headers.TryAddWithoutValidation("X-MS-CLIENT-PRINCIPAL", Sendable(principalHeader));
                    request.Headers.TryAddWithoutValidation("X-MS-CLIENT-PRINCIPAL-ID", Sendable(userId.Length > 300 ? userId[..300] : userId));
                }

                using var response = await (caller < 0 ? anonymous : signedIn[caller]).SendAsync(request);

                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                // Headers a client sends never sign it in.
                return status < 500 && (caller >= 0 || status is < 200 or >= 300);
            }, iter: 3_000, threads: Threads);
        }
        finally
        {
            signedIn.ForEach(client => client.Dispose());
        }

        output.WriteLine($"3000 token requests in {time.Elapsed.TotalSeconds:F1} s: {string.Join(", ", statuses.OrderBy(s => s.Key))}");
        Assert.True(statuses.ContainsKey(401) && statuses.Keys.Any(s => s is 400 or 404), string.Join(", ", statuses));
        Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "artifacts"));
        await File.WriteAllTextAsync(Path.Combine(RepositoryRoot.Path, "artifacts", "fuzz-token-endpoints.txt"), string.Join('\n', statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}\t{s.Value}")));
    }

    [Fact]
    public void RandomPrincipalHeaders_AreReadOrRefused_NeverThrown()
    {
        // Only Easy Auth (the dev sign-in locally) sets these headers: it drops a client's own, so HTTP cannot bring
        // random ones to the worker. The reader that turns them into the caller gets them directly instead.
        Gen.Select(Principals, Nasty).Sample((principal, userId) =>
        {
            var id = userId.Length > 300 ? userId[..300] : userId;
            var user = ClientPrincipalReader.Read(new HeaderDictionary { [ClientPrincipalReader.PrincipalHeader] = principal, [ClientPrincipalReader.IdHeader] = id });
            return user is null || (user.UserId == id.Trim() && user.Name.Length > 0 && !user.Name.Any(char.IsControl));
        }, iter: 3_000);
    }

    private static void Mutate(HttpRequestMessage request, int mutation, string noise, string key, List<string> boards)
    {
        var signature = request.Headers.GetValues("ce-signature").Single();
        var connectionId = request.Headers.GetValues("ce-connectionId").Single();
        var userId = request.Headers.GetValues("ce-userId").Single();
        switch (mutation)
        {
            case 0:
                break;
            case 1:
                request.Headers.Remove(new[] { "ce-signature", "ce-type", "ce-hub", "ce-connectionId", "ce-id", "ce-specversion", "ce-userId", "ce-connectionState", "ce-time" }[Math.Abs(noise.Length) % 9]);
                break;
            case 2:
                Set(request, "ce-signature", "sha256=" + noise);
                break;
            case 3:
                Set(request, "ce-signature", noise.Length % 2 == 0 ? signature.ToUpperInvariant() : signature[..^1] + (signature[^1] == '0' ? '1' : '0'));
                break;
            case 4:
                Set(request, "ce-hub", noise);
                break;
            case 5:
                Set(request, "ce-type", noise.Length % 2 == 0 ? "azure.webpubsub.user." + noise : noise);
                break;
            case 6:
                Set(request, "ce-connectionState", noise.Length % 3 == 0 ? noise : Convert.ToBase64String(Encoding.UTF8.GetBytes(noise)));
                break;
            case 7:
                request.Content!.Headers.Remove("Content-Type");
                request.Content.Headers.TryAddWithoutValidation("Content-Type", Sendable(noise.Length % 2 == 0 ? "text/plain" : noise));
                break;
            case 8:
                var contentType = request.Content!.Headers.ContentType;
                request.Content.Dispose();
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(noise)) { Headers = { ContentType = contentType } };
                break;
            case 9:
                // The unsigned state of earlier versions (base64 of JSON), naming a real board or noise.
                var boardId = noise.Length % 2 == 0 ? boards[noise.Length % boards.Count] : noise.Length > 64 ? noise[..64] : noise;
                Set(request, "ce-connectionState", Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { boardId, name = noise, role = "owner", connectionId, userId })));
                break;
            case 10:
                Set(request, "ce-signature", string.Join(",", Enumerable.Repeat(signature, noise.Length % 5)));
                break;
            case 11:
                Set(request, "ce-userId", noise);
                break;
            case 12:
                // ce-time: noise, a request captured ten minutes ago, or one dated ten minutes ahead.
                Set(request, "ce-time", (noise.Length % 3) switch
                {
                    0 => noise,
                    1 => UpstreamEvents.Time(DateTimeOffset.UtcNow.AddMinutes(-10)),
                    _ => UpstreamEvents.Time(DateTimeOffset.UtcNow.AddMinutes(10)),
                });
                break;
            case 13:
                // A state sealed by the app for another board (genuine: it goes there), another connection or user,
                // sealed with a key the app does not hold, or one with a byte changed.
                var other = boards[noise.Length % boards.Count];
                Set(request, "ce-connectionState", (noise.Length % 5) switch
                {
                    0 => UpstreamEvents.SealedState(key, other, connectionId, userId),
                    1 => UpstreamEvents.SealedState(key, other, connectionId + "x", userId),
                    2 => UpstreamEvents.SealedState(key, other, connectionId, userId + "x"),
                    3 => UpstreamEvents.SealedState("ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", other, connectionId, userId),
                    _ => Flip(UpstreamEvents.SealedState(key, other, connectionId, userId), noise.Length),
                });
                break;
            case 14:
                // A ce-id used again on the connection, mostly by a different request: answered as before or refused.
                Set(request, "ce-id", "reused-" + (noise.Length % 3));
                break;
            default:
                Set(request, "ce-signature", Collab.Protocols.WebPubSub.CloudEventSignature.Create(noise, [key]));
                break;
        }
    }

    /// <summary>The sealed state with one bit of its bytes flipped.</summary>
    private static string Flip(string sealedState, int seed)
    {
        var bytes = Convert.FromBase64String(sealedState);
        bytes[seed % bytes.Length] ^= (byte)(1 << (seed % 8));
        return Convert.ToBase64String(bytes);
    }

    private static void Set(HttpRequestMessage request, string header, string value)
    {
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, Sendable(value));
    }

    /// <summary>
    /// A header value as a CloudEvents sender writes it (HTTP protocol binding §3.1.3.2): UTF-8, with space, '"',
    /// '%' and everything outside printable ASCII percent-encoded. Raw control characters and line breaks cannot be
    /// sent in a header at all.
    /// </summary>
    private static string Sendable(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            text.Append(b is > 0x20 and < 0x7F and not (byte)'"' and not (byte)'%' ? ((char)b).ToString() : "%" + b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private static string UrlValue(string value) => Uri.EscapeDataString(value.Length > MaxUrlValueLength ? value[..MaxUrlValueLength] : value);
}
