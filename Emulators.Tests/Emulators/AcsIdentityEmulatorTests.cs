using System.Net;
using System.Text;
using System.Text.Json;
using Collab.Testing;
using Collab.Protocols.Acs;

namespace Collab.Emulators.Tests;

/// <summary>The signature rules of shared/protocols/acs-identity.md §8.8 that the SDK never breaks.</summary>
public sealed class AcsIdentityEmulatorTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private readonly HttpClient _http = new();

    [Fact]
    public async Task SignedRequest_CreatesAnIdentity()
    {
        using var response = await SendAsync(HttpMethod.Post, "/identities?api-version=2023-10-01", "{}", DateTimeOffset.UtcNow);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("8:acs:", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("identity").GetProperty("id").GetString());
    }

    [Fact]
    public async Task DateOutsideFifteenMinutes_Is401Denied()
    {
        using var response = await SendAsync(HttpMethod.Post, "/identities?api-version=2023-10-01", "{}", DateTimeOffset.UtcNow.AddMinutes(-16));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Denied", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task BodyNotMatchingItsHash_Is401()
    {
        using var response = await SendAsync(HttpMethod.Post, "/identities?api-version=2023-10-01", "{}", DateTimeOffset.UtcNow, tamperedBody: "{\"createTokenWithScopes\":[\"chat\"]}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SignatureOverTheDecodedPath_Is401BecauseTheRawTargetIsSigned()
    {
        using var created = await SendAsync(HttpMethod.Post, "/identities?api-version=2023-10-01", "", DateTimeOffset.UtcNow);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("identity").GetProperty("id").GetString()!;
        var encoded = $"/identities/{Uri.EscapeDataString(id)}/:issueAccessToken?api-version=2023-10-01";

        using var good = await SendAsync(HttpMethod.Post, encoded, "{\"scopes\":[\"chat\"]}", DateTimeOffset.UtcNow);
        using var bad = await SendAsync(HttpMethod.Post, encoded, "{\"scopes\":[\"chat\"]}", DateTimeOffset.UtcNow, signedTarget: Uri.UnescapeDataString(encoded));

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
    }

    [Theory]
    [InlineData("/identities", "MissingApiVersionParameter")]
    [InlineData("/identities?api-version=1999-01-01", "UnsupportedApiVersion")]
    public async Task ApiVersion_IsRequiredAndChecked(string target, string code)
    {
        using var response = await SendAsync(HttpMethod.Post, target, "", DateTimeOffset.UtcNow);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(code, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string target, string body, DateTimeOffset date, string? signedTarget = null, string? tamperedBody = null)
    {
        var key = Convert.FromBase64String(emulators.AcsOptions.AccessKey);
        var hash = AcsHmacSignature.ContentHash(Encoding.UTF8.GetBytes(body));
        var host = emulators.AcsEndpoint.Authority;
        var dateText = AcsHmacSignature.FormatDate(date);
        var signature = AcsHmacSignature.Sign(key, AcsHmacSignature.StringToSign(method.Method, signedTarget ?? target, dateText, host, hash));
        var request = new HttpRequestMessage(method, new Uri(emulators.AcsEndpoint, target)) { Content = new StringContent(tamperedBody ?? body) };
        request.Headers.TryAddWithoutValidation("x-ms-date", dateText);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization", AcsHmacSignature.AuthorizationHeader(signature));
        return await _http.SendAsync(request);
    }
}
