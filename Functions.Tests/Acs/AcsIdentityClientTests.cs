using System.Net;
using System.Text;
using Collab.Functions.Acs;
using Collab.Functions.Configuration;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Collab.Functions.Tests.Acs;

/// <summary>
/// Our ACS identity REST client: the signature vectors of shared/protocols/acs-identity.md §11.1, and retries and
/// error mapping against a real local HTTP server scripted to fail.
/// </summary>
public sealed class AcsIdentityClientTests
{
    private const string UnitTestKey = "68810419818922fb0263dd6ee4b9c56537dbad914aa7324a119fce26778a286e";
    private const string Identity = "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";

    [Fact]
    public async Task IssueToken_IsSignedExactlyAsTheVector()
    {
        var handler = new CapturingHandler("""{"token":"a.b.c","expiresOn":"2024-01-01T01:00:00.0000000+00:00"}""");
        var client = Client(new HttpClient(handler), "http://localhost:7071/", new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var token = await client.IssueTokenAsync(Identity, ["chat", "voip"], 60, CancellationToken.None);

        var request = handler.Requests.Single();
        Assert.Equal("/identities/8%3Aacs%3A2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081/:issueAccessToken?api-version=2023-10-01", request.Uri.PathAndQuery);
        Assert.Equal("{\"scopes\":[\"chat\",\"voip\"],\"expiresInMinutes\":60}", request.Body);
        Assert.Equal("Mon, 01 Jan 2024 00:00:00 GMT", request.Headers["x-ms-date"]);
        Assert.Equal("L3rwPjqINp2rppinf7Ljl6gJFzoHpAeoNOr9KJTWYVw=", request.Headers["x-ms-content-sha256"]);
        Assert.Equal("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=BydVCisFirebzjTvIyYYBFvtfe07bDs+eviDFPCMkkg=", request.Headers["Authorization"]);
        Assert.Equal(new AcsAccessToken("a.b.c", new DateTimeOffset(2024, 1, 1, 1, 0, 0, TimeSpan.Zero)), token);
    }

    [Fact]
    public async Task DeleteIdentity_IsSignedExactlyAsTheVector()
    {
        var handler = new CapturingHandler(null);
        var client = Client(new HttpClient(handler), "http://localhost:7071/", new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        await client.DeleteIdentityAsync(Identity, CancellationToken.None);

        var request = handler.Requests.Single();
        Assert.Equal("", request.Body);
        Assert.Equal("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=7edglGYiKG+EBYUNNJHx8IEHGoynzd1M84p5IcpfpAo=", request.Headers["Authorization"]);
    }

    [Fact]
    public async Task ThrottlingAndServerErrors_AreRetried_UntilSuccess()
    {
        await using var server = await RecordingUpstream.StartAsync();
        var answers = new Queue<int>([503, 429, 201]);
        server.Respond = async (_, context) =>
        {
            var status = answers.Dequeue();
            context.Response.StatusCode = status;
            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "0";
            }

            if (status == 201)
            {
                await context.Response.WriteAsJsonAsync(new { identity = new { id = Identity } });
            }
        };
        var client = Client(new HttpClient(), server.BaseUrl, TimeProvider.System);

        var created = await client.CreateIdentityAsync(null, 60, CancellationToken.None);

        Assert.Equal(Identity, created.Id);
        Assert.Null(created.AccessToken);
        Assert.Equal(3, server.Requests.Count);
        // Each attempt is signed afresh.
        Assert.All(server.Requests, r => Assert.StartsWith("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=", r.Header("Authorization")));
    }

    [Fact]
    public async Task ServiceErrors_AreNotRetried_AndKeepTheirCode()
    {
        await using var server = await RecordingUpstream.StartAsync();
        server.Respond = (_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return context.Response.WriteAsJsonAsync(new { error = new { code = "IdentityNotOwned", message = "Provided identity doesn't belong to the resource." } });
        };
        var client = Client(new HttpClient(), server.BaseUrl, TimeProvider.System);

        var error = await Assert.ThrowsAsync<AcsRequestException>(() => client.IssueTokenAsync(Identity, ["chat"], 60, CancellationToken.None));

        Assert.Single(server.Requests);
        Assert.Equal(401, error.Status);
        Assert.True(error.IsIdentityGone);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task PersistentFailure_GivesUpAfterTheConfiguredRetries()
    {
        await using var server = await RecordingUpstream.StartAsync();
        server.Respond = (_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };
        var client = Client(new HttpClient(), server.BaseUrl, TimeProvider.System);

        var error = await Assert.ThrowsAsync<AcsRequestException>(() => client.RevokeTokensAsync(Identity, CancellationToken.None));

        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(500, error.Status);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task UnreachableService_IsATransientFailure()
    {
        var client = Client(new HttpClient(), $"http://127.0.0.1:{FreePort.Next()}/", TimeProvider.System);

        var error = await Assert.ThrowsAsync<AcsRequestException>(() => client.CreateIdentityAsync(["chat"], 60, CancellationToken.None));

        Assert.Equal(0, error.Status);
        Assert.True(error.IsTransient);
    }

    private static AcsIdentityClient Client(HttpClient http, string endpoint, TimeProvider time)
    {
        var options = Options.Create(new AcsOptions
        {
            ConnectionString = $"endpoint={endpoint};accesskey={UnitTestKey}",
            RetryDelays = [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20)],
        });
        return new(new AcsRestPipeline(new OneClient(http), options, time, NullLogger<AcsRestPipeline>.Instance), options);
    }

    /// <summary>A factory that always hands out the test's client.</summary>
    private sealed class OneClient(HttpClient http) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => http;
    }

    private sealed class CapturingHandler(string? responseJson) : HttpMessageHandler
    {
        public List<(Uri Uri, string Body, Dictionary<string, string> Headers)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request.RequestUri!, body, request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase)));
            return responseJson is null
                ? new HttpResponseMessage(HttpStatusCode.NoContent)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(responseJson, Encoding.UTF8, "application/json") };
        }
    }
}
