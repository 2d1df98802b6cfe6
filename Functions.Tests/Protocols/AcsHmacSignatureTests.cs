using System.Text;
using Collab.Protocols.Acs;

namespace Collab.Functions.Tests.Protocols;

/// <summary>Vectors from shared/protocols/acs-identity.md §11.</summary>
public sealed class AcsHmacSignatureTests
{
    private const string UnitTestKey = "68810419818922fb0263dd6ee4b9c56537dbad914aa7324a119fce26778a286e";
    private const string EmulatorKey = "c2VjcmV0LWtleS1mb3ItZW11bGF0b3ItMDEyMzQ1Njc4OQ==";
    private const string Id = "8%3Aacs%3A2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";

    [Theory]
    [InlineData("POST", "https://contoso.communication.azure.com/identities?api-version=2023-10-01", "{\"createTokenWithScopes\":[\"chat\"]}",
        "WTRvgEjjVd+bvyKw3WgXgDkU81aV8FWq+4/BE+he0+A=", "9hlFwY63qdcFM4LLrzjGt/oucu2EKgs3R5UD8kBb0i0=")]
    [InlineData("POST", "http://localhost:7071/identities/" + Id + "/:issueAccessToken?api-version=2023-10-01", "{\"scopes\":[\"chat\",\"voip\"],\"expiresInMinutes\":60}",
        "L3rwPjqINp2rppinf7Ljl6gJFzoHpAeoNOr9KJTWYVw=", "BydVCisFirebzjTvIyYYBFvtfe07bDs+eviDFPCMkkg=")]
    [InlineData("DELETE", "http://localhost:7071/identities/" + Id + "?api-version=2023-10-01", "",
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "7edglGYiKG+EBYUNNJHx8IEHGoynzd1M84p5IcpfpAo=")]
    public void FixedClockVectors(string method, string url, string body, string expectedHash, string expectedSignature)
    {
        var uri = new Uri(url);
        var hash = AcsHmacSignature.ContentHash(Encoding.UTF8.GetBytes(body));
        var date = AcsHmacSignature.FormatDate(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var signature = AcsHmacSignature.Sign(Convert.FromBase64String(UnitTestKey), AcsHmacSignature.StringToSign(method, uri.PathAndQuery, date, uri.Authority, hash));

        Assert.Equal("Mon, 01 Jan 2024 00:00:00 GMT", date);
        Assert.Equal(expectedHash, hash);
        Assert.Equal(expectedSignature, signature);
        Assert.Equal($"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={expectedSignature}", AcsHmacSignature.AuthorizationHeader(signature));
    }

    [Theory]
    [InlineData("POST", "/identities?api-version=2023-10-01", "", "mPzhM/1fg3T6kx7IzltSy64Otu0QTHHCiiiNANp2Bpc=")]
    [InlineData("POST", "/identities?api-version=2023-10-01", "{\"createTokenWithScopes\":[\"chat\",\"voip\"],\"expiresInMinutes\":60}", "FLLRx4y2DaaFVcMolrB/Q+mHZri87tEJoBZM+mxH6Po=")]
    [InlineData("POST", "/identities/" + Id + "/:issueAccessToken?api-version=2023-10-01", "{\"scopes\":[\"chat\"]}", "QYYmncptRj/8jI88C0XOfzsHu1yu0GT6j8IOa1BnwHA=")]
    [InlineData("POST", "/identities/" + Id + "/:revokeAccessTokens?api-version=2023-10-01", "", "v7fXlB7uDPPc6njCNVc/Q2PyEAIfkAu2sx04ptuiEfI=")]
    [InlineData("DELETE", "/identities/" + Id + "?api-version=2023-10-01", "", "18oQ3QmdGo0ZTycmQsMGFiB1ZvUWDtuaGebsInjuOhQ=")]
    [InlineData("POST", "/teamsUser/:exchangeAccessToken?api-version=2023-10-01", "{\"token\":\"aad\",\"appId\":\"cid\",\"userId\":\"oid\"}", "eH/v9o5h0ALL0PKwXmf03nkIiDQLAYDzGoYzx25UooI=")]
    public void WireVectorsOfTheJsSdk(string method, string rawTarget, string body, string expectedSignature)
    {
        var hash = AcsHmacSignature.ContentHash(Encoding.UTF8.GetBytes(body));
        var stringToSign = AcsHmacSignature.StringToSign(method, rawTarget, "Wed, 25 Nov 2026 08:13:38 GMT", "localhost:7071", hash);

        Assert.Equal(expectedSignature, AcsHmacSignature.Sign(Convert.FromBase64String(EmulatorKey), stringToSign));
    }

    [Fact]
    public void TryParseAuthorization_SplitsHeadersAndSignature()
    {
        Assert.True(AcsHmacSignature.TryParseAuthorization("HMAC-SHA256 SignedHeaders=date;host;x-ms-content-sha256&Signature=abc=", out var headers, out var signature));
        Assert.Equal(["date", "host", "x-ms-content-sha256"], headers);
        Assert.Equal("abc=", signature);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer abc")]
    [InlineData("HMAC-SHA256 Signature=abc")]
    [InlineData("HMAC-SHA256 SignedHeaders=host&Signature=abc")]
    public void TryParseAuthorization_RefusesOtherShapes(string? header) =>
        Assert.False(AcsHmacSignature.TryParseAuthorization(header, out _, out _));
}
