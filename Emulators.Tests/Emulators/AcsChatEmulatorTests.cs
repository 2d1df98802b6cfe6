using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Emulators.AcsIdentity;
using Collab.Protocols.Acs;
using Collab.Protocols.Jwt;
using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// What the chat SDK never sends, over raw HTTP: auth failures, api-versions, limits, idempotency, CORS and the HTTPS
/// listener (shared/protocols/acs-chat-rooms.md rule 1, §2–§6; acs-identity.md §5, §10.2).
/// </summary>
public sealed class AcsChatEmulatorTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>, IDisposable
{
    private const string Api = "api-version=2025-03-15";
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Https_ServesTheSameRoutesWithACertificateTrustedThroughItsPemAlone()
    {
        using var pem = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(emulators.AcsCertificatePath));
        SslPolicyErrors? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                // Trust exactly the PEM (as NODE_EXTRA_CA_CERTS does) and keep the name check of the default validation.
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(pem);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                seen = errors & ~SslPolicyErrors.RemoteCertificateChainErrors;
                return seen == SslPolicyErrors.None && chain.Build(certificate!);
            },
        };
        using var https = new HttpClient(handler);
        var alice = await NewUserAsync();

        using var response = await https.SendAsync(Request(HttpMethod.Post, new Uri(emulators.AcsHttpsEndpoint, $"/chat/threads?{Api}"), alice.Token, new JsonObject { ["topic"] = "over TLS" }));

        Assert.Equal(SslPolicyErrors.None, seen);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("localhost", emulators.AcsHttpsEndpoint.Host);
        Assert.Equal(DevelopmentCertificate.Spki(pem), emulators.AcsCertificateSpki);
        if (!OperatingSystem.IsWindows())
        {
            var key = Path.Combine(Path.GetDirectoryName(emulators.AcsCertificatePath)!, DevelopmentCertificate.KeyFileName);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }

    [Fact]
    public void DevelopmentCertificate_IsReusedWhileValidAndReplacedNearExpiry()
    {
        var directory = Path.Combine(Path.GetTempPath(), "acs-chat-cert-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var now = DateTimeOffset.UtcNow;
            using var first = DevelopmentCertificate.LoadOrCreate(directory, new FixedTime(now));
            using var again = DevelopmentCertificate.LoadOrCreate(directory, new FixedTime(now.AddDays(100)));
            using var renewed = DevelopmentCertificate.LoadOrCreate(directory, new FixedTime(now.AddDays(365)));

            Assert.True(first.HasPrivateKey);
            Assert.Contains("localhost", first.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
            Assert.Contains(IPAddress.Loopback, first.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
            Assert.Equal(first.Thumbprint, again.Thumbprint);
            Assert.NotEqual(first.Thumbprint, renewed.Thumbprint);
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(directory, DevelopmentCertificate.CertificateFileName)), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The README has developers trust the certificate as an authority: should its key leak, what it signs must be good
    /// for this machine's names only (name constraints, RFC 5280 §4.2.1.10), not for any site.
    /// </summary>
    [Fact]
    public void DevelopmentCertificate_ConfinesWhatItsKeySigns_ToLoopbackNames()
    {
        var directory = Path.Combine(Path.GetTempPath(), "acs-chat-cert-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var now = DateTimeOffset.UtcNow;
            using var authority = DevelopmentCertificate.LoadOrCreate(directory, new FixedTime(now));

            Assert.Empty(ChainErrors(authority, SignedLeaf(authority, "localhost", now)));
            Assert.Contains(X509ChainStatusFlags.HasNotPermittedNameConstraint, ChainErrors(authority, SignedLeaf(authority, "example.com", now)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Tokens_MissingForgedExpiredRevokedOrOfADeletedIdentity_Are401Unauthorized()
    {
        var revoked = await NewUserAsync();
        await IdentityAsync(HttpMethod.Post, $"/identities/{Uri.EscapeDataString(revoked.Id)}/:revokeAccessTokens?api-version=2023-10-01", "");
        var deleted = await NewUserAsync();
        await IdentityAsync(HttpMethod.Delete, $"/identities/{Uri.EscapeDataString(deleted.Id)}?api-version=2023-10-01", "");
        var voipOnly = await NewUserAsync("voip");
        var valid = await NewUserAsync();
        var forged = valid.Token[..valid.Token.LastIndexOf('.')] + ".AAAA";
        var key = new AcsUserTokenValidator(emulators.AcsIdentities, Microsoft.Extensions.Options.Options.Create(emulators.AcsOptions), TimeProvider.System).SigningKey;
        // The valid token's own claims (so its jti is active) with an exp in the past: only the expiry can refuse it.
        var claims = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(valid.Token.Split('.')[1]))!.AsObject();
        claims["exp"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        var expired = Hs256Jwt.Create(claims, key);
        Assert.Null(Hs256Jwt.Validate(expired, key, DateTimeOffset.UtcNow, out var why));
        Assert.Contains("expired", why, StringComparison.Ordinal);

        foreach (var token in new[] { null, "not-a-jwt", forged, expired, revoked.Token, deleted.Token, voipOnly.Token })
        {
            using var response = await SendAsync(HttpMethod.Post, $"/chat/threads?{Api}", token, new JsonObject { ["topic"] = "x" });
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Unauthorized", await ErrorCodeAsync(response));
        }
    }

    [Theory]
    [InlineData("/chat/threads", "MissingApiVersionParameter")]
    [InlineData("/chat/threads?api-version=1999-01-01", "UnsupportedApiVersion")]
    public async Task ApiVersion_IsRequiredAndChecked(string target, string code)
    {
        var alice = await NewUserAsync();
        using var response = await SendAsync(HttpMethod.Get, target, alice.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Threads_UnknownIs404_NonParticipantIs403_AndPercentEncodedIdsAreAccepted()
    {
        var alice = await NewUserAsync();
        var mallory = await NewUserAsync();
        var threadId = await CreateThreadAsync(alice);

        using var encoded = await SendAsync(HttpMethod.Get, $"/chat/threads/{Uri.EscapeDataString(threadId)}?{Api}", alice.Token);
        using var raw = await SendAsync(HttpMethod.Get, $"/chat/threads/{threadId}?{Api}", alice.Token);
        using var foreign = await SendAsync(HttpMethod.Get, $"/chat/threads/{threadId}/messages?{Api}", mallory.Token);
        using var unknown = await SendAsync(HttpMethod.Get, $"/chat/threads/19%3Anope%40thread.v2?{Api}", alice.Token);

        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal("Forbidden", await ErrorCodeAsync(foreign));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Create_WithARepeatedRepeatabilityRequestId_ExecutesOncePerCaller()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var key = Guid.NewGuid().ToString();
        var before = emulators.AcsChat.ThreadCount;

        var first = await CreateRawAsync(alice.Token, key);
        var replay = await CreateRawAsync(alice.Token, key);
        var otherCaller = await CreateRawAsync(bob.Token, key);

        Assert.Equal(first, replay);
        Assert.NotEqual(first, otherCaller);
        Assert.Equal(before + 2, emulators.AcsChat.ThreadCount);
    }

    [Fact]
    public async Task Limits_OfTheServiceAreRefusedWith4xx()
    {
        var alice = await NewUserAsync();
        var threadId = await CreateThreadAsync(alice);
        var tooMany = new JsonArray([.. Enumerable.Range(0, 201).Select(i => (JsonNode)new JsonObject
        {
            ["communicationIdentifier"] = new JsonObject { ["rawId"] = $"8:acs:x_{i}" },
        })]);

        using var batch = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/participants/:add?{Api}", alice.Token, new JsonObject { ["participants"] = tooMany });
        using var page = await SendAsync(HttpMethod.Get, $"/chat/threads/{threadId}/messages?maxPageSize=201&{Api}", alice.Token);
        using var large = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/messages?{Api}", alice.Token, new JsonObject { ["content"] = new string('a', 28 * 1024 + 1) });
        using var fits = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/messages?{Api}", alice.Token, new JsonObject { ["content"] = new string('a', 28 * 1024) });
        using var body = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/messages?{Api}", alice.Token, new JsonObject { ["content"] = new string('a', 300 * 1024) });
        using var badType = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/messages?{Api}", alice.Token, new JsonObject { ["content"] = "x", ["type"] = "markdown" });

        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, large.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, body.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
    }

    [Fact]
    public async Task Participants_BeyondTheThreadLimit_AreRefused()
    {
        var chat = emulators.AcsOptions.Chat;
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var carol = await NewUserAsync();
        var threadId = await CreateThreadAsync(alice);
        chat.MaxParticipants = 2;
        try
        {
            using var fits = await AddAsync(alice.Token, threadId, bob.Id);
            using var refused = await AddAsync(alice.Token, threadId, carol.Id);

            Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        finally
        {
            chat.MaxParticipants = 250;
        }
    }

    [Fact]
    public async Task EmulatorMemory_IsBoundedWithAClearError()
    {
        var chat = emulators.AcsOptions.Chat;
        var alice = await NewUserAsync();
        var threadId = await CreateThreadAsync(alice);
        chat.MaxThreads = emulators.AcsChat.ThreadCount;
        chat.MaxMessagesPerThread = 3;
        try
        {
            using var thread = await SendAsync(HttpMethod.Post, $"/chat/threads?{Api}", alice.Token, new JsonObject { ["topic"] = "one too many" });
            using var third = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/messages?{Api}", alice.Token, new JsonObject { ["content"] = "third" });
            using var fourth = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/messages?{Api}", alice.Token, new JsonObject { ["content"] = "fourth" });

            Assert.Equal(HttpStatusCode.BadRequest, thread.StatusCode);
            Assert.Equal("EmulatorLimitExceeded", await ErrorCodeAsync(thread));
            Assert.Equal(HttpStatusCode.Created, third.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, fourth.StatusCode);
            Assert.Contains("MaxMessagesPerThread", await fourth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            chat.MaxThreads = 10_000;
            chat.MaxMessagesPerThread = 5_000;
        }
    }

    [Fact]
    public async Task Scopes_ChatJoinCannotUpdateTheThread_ChatJoinLimitedCannotAddParticipants()
    {
        var alice = await NewUserAsync();
        var joiner = await NewUserAsync("chat.join");
        var limited = await NewUserAsync("chat.join.limited");
        var bob = await NewUserAsync();
        var threadId = await CreateThreadAsync(alice, joiner.Id, limited.Id);

        using var topic = await SendAsync(HttpMethod.Patch, $"/chat/threads/{threadId}?{Api}", joiner.Token, new JsonObject { ["topic"] = "mine" });
        using var limitedAdd = await AddAsync(limited.Token, threadId, bob.Id);
        using var joinerAdd = await AddAsync(joiner.Token, threadId, bob.Id);
        using var limitedSend = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/messages?{Api}", limited.Token, new JsonObject { ["content"] = "hi" });

        Assert.Equal(HttpStatusCode.Forbidden, topic.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, limitedAdd.StatusCode);
        Assert.Equal(HttpStatusCode.Created, joinerAdd.StatusCode);
        Assert.Equal(HttpStatusCode.Created, limitedSend.StatusCode);
    }

    [Fact]
    public async Task RemovedParticipant_CanNoLongerReadButStillListsTheThread()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        var threadId = await CreateThreadAsync(alice, bob.Id);
        using var removed = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/participants/:remove?{Api}", alice.Token, new JsonObject { ["rawId"] = bob.Id });
        using var again = await SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/participants/:remove?{Api}", alice.Token, new JsonObject { ["rawId"] = bob.Id });

        using var read = await SendAsync(HttpMethod.Get, $"/chat/threads/{threadId}/messages?{Api}", bob.Token);
        using var list = await SendAsync(HttpMethod.Get, $"/chat/threads?{Api}", bob.Token);

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Contains(threadId, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextLink_IsAbsoluteOnTheCallersOrigin_WithTheApiVersion_AndRawThreadId()
    {
        var alice = await NewUserAsync();
        var threadId = await CreateThreadAsync(alice);

        using var response = await SendAsync(HttpMethod.Get, $"/chat/threads/{Uri.EscapeDataString(threadId)}/messages?maxPageSize=1&{Api}", alice.Token);
        var nextLink = (await JsonAsync(response))["nextLink"]!.GetValue<string>();
        using var next = await SendAsync(HttpMethod.Get, nextLink, alice.Token);
        var second = await JsonAsync(next);

        Assert.StartsWith($"{emulators.AcsEndpoint.GetLeftPart(UriPartial.Authority)}/chat/threads/{threadId}/messages?", nextLink, StringComparison.Ordinal);
        Assert.Contains(Api, nextLink, StringComparison.Ordinal);
        Assert.Equal("participantAdded", second["value"]![0]!["type"]!.GetValue<string>());
        Assert.Null(second["nextLink"]);
    }

    [Fact]
    public async Task Cors_AnswersPreflightsAndExposesHeaders()
    {
        var alice = await NewUserAsync();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(emulators.AcsEndpoint, "/chat/threads?" + Api));
        preflight.Headers.Add("Origin", "http://localhost:7071");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,repeatability-request-id,x-ms-client-request-id,x-ms-useragent");
        using var answer = await _http.SendAsync(preflight);

        var request = Request(HttpMethod.Post, new Uri(emulators.AcsEndpoint, $"/chat/threads?{Api}"), alice.Token, new JsonObject { ["topic"] = "from a browser" });
        request.Headers.Add("Origin", "http://localhost:7071");
        using var actual = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("http://localhost:7071", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("PATCH", answer.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Contains("repeatability-request-id", answer.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, actual.StatusCode);
        Assert.Equal("http://localhost:7071", actual.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("retry-after", actual.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
    }

    private async Task<string> CreateRawAsync(string token, string key)
    {
        var request = Request(HttpMethod.Post, new Uri(emulators.AcsEndpoint, $"/chat/threads?{Api}"), token, new JsonObject { ["topic"] = "once" });
        request.Headers.Add("repeatability-request-id", key);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<string> CreateThreadAsync(User creator, params string[] others)
    {
        var participants = new JsonArray([.. others.Select(id => (JsonNode)new JsonObject { ["communicationIdentifier"] = new JsonObject { ["rawId"] = id } })]);
        using var response = await SendAsync(HttpMethod.Post, $"/chat/threads?{Api}", creator.Token, new JsonObject { ["topic"] = "test", ["participants"] = participants });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await JsonAsync(response))["chatThread"]!["id"]!.GetValue<string>();
    }

    private Task<HttpResponseMessage> AddAsync(string token, string threadId, string participant) =>
        SendAsync(HttpMethod.Post, $"/chat/threads/{threadId}/participants/:add?{Api}", token, new JsonObject
        {
            ["participants"] = new JsonArray(new JsonObject { ["communicationIdentifier"] = new JsonObject { ["rawId"] = participant } }),
        });

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string target, string? token, JsonObject? body = null) =>
        _http.SendAsync(Request(method, new Uri(emulators.AcsEndpoint, target), token, body));

    private static HttpRequestMessage Request(HttpMethod method, Uri uri, string? token, JsonObject? body)
    {
        var request = new HttpRequestMessage(method, uri);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    private async Task<User> NewUserAsync(string scope = "chat")
    {
        using var response = await IdentityAsync(HttpMethod.Post, "/identities?api-version=2023-10-01", $"{{\"createTokenWithScopes\":[\"{scope}\"]}}");
        var json = await JsonAsync(response);
        return new User(json["identity"]!["id"]!.GetValue<string>(), json["accessToken"]!["token"]!.GetValue<string>());
    }

    private async Task<HttpResponseMessage> IdentityAsync(HttpMethod method, string target, string body)
    {
        var request = new HttpRequestMessage(method, new Uri(emulators.AcsEndpoint, target)) { Content = new StringContent(body) };
        AcsRequestSigner.Sign(request, Encoding.UTF8.GetBytes(body), Convert.FromBase64String(emulators.AcsOptions.AccessKey), DateTimeOffset.UtcNow);
        var response = await _http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"identity {method} {target}: {response.StatusCode}");
        return response;
    }

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString();

    private sealed record User(string Id, string Token);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static X509Certificate2 SignedLeaf(X509Certificate2 authority, string dnsName, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.Create(authority, now.AddMinutes(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
    }

    private static List<X509ChainStatusFlags> ChainErrors(X509Certificate2 authority, X509Certificate2 leaf)
    {
        using (leaf)
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.Build(leaf);
            return chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).ToList();
        }
    }
}
