using System.Text;
using System.Text.Json.Nodes;
using Collab.Protocols.Jwt;

namespace Collab.Functions.Tests.Protocols;

/// <summary>Vectors from shared/protocols/web-pubsub.md §3.2 (produced by @azure/web-pubsub 1.2.0).</summary>
public sealed class Hs256JwtTests
{
    private const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

    private const string VectorToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjpbIndlYnB1YnN1Yi5zZW5kVG9Hcm91cC5kcmF3Il0sIndlYnB1YnN1Yi5ncm91cCI6WyJkcmF3Il0sImlhdCI6MTc5NTU5NDY3NiwiZXhwIjoxNzk1NTk4Mjc2LCJhdWQiOiJodHRwOi8vMTI3LjAuMC4xOjM5MjIzL2NsaWVudC9odWJzL1NhbXBsZV9EcmF3Iiwic3ViIjoidXNlcjEifQ.refGimOJ7EG-Gg3TKltFmDozmcb_xy4v1IQFy_Zc-gY";

    [Fact]
    public void Create_ReproducesTheOfficialClientTokenVector()
    {
        var payload = new JsonObject
        {
            ["role"] = new JsonArray("webpubsub.sendToGroup.draw"),
            ["webpubsub.group"] = new JsonArray("draw"),
            ["iat"] = 1795594676,
            ["exp"] = 1795598276,
            ["aud"] = "http://127.0.0.1:39223/client/hubs/Sample_Draw",
            ["sub"] = "user1",
        };

        Assert.Equal(VectorToken, Hs256Jwt.Create(payload, Encoding.UTF8.GetBytes(Key)));
    }

    [Fact]
    public void Validate_AcceptsTheVectorBeforeExpiryAndReadsArrayClaims()
    {
        var payload = Hs256Jwt.Validate(VectorToken, Encoding.UTF8.GetBytes(Key), DateTimeOffset.FromUnixTimeSeconds(1795594700), out var error);

        Assert.True(payload.HasValue, error);
        Assert.Equal(["webpubsub.sendToGroup.draw"], Hs256Jwt.ReadStrings(payload.Value, "role"));
        Assert.Equal(["draw"], Hs256Jwt.ReadStrings(payload.Value, "webpubsub.group"));
    }

    [Fact]
    public void Validate_RefusesExpiredTokens()
    {
        Assert.Null(Hs256Jwt.Validate(VectorToken, Encoding.UTF8.GetBytes(Key), DateTimeOffset.FromUnixTimeSeconds(1795598276), out var error));
        Assert.Contains("expired", error);
    }

    [Fact]
    public void Validate_RefusesTheBase64DecodedKey()
    {
        // web-pubsub.md §3.2: signing with the base64-decoded key does not reproduce the signature.
        var decoded = Convert.FromBase64String(Key);
        Assert.Null(Hs256Jwt.Validate(VectorToken, decoded, DateTimeOffset.FromUnixTimeSeconds(1795594700), out var error));
        Assert.Contains("signature", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("not.a.jwt")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9.")]
    public void Validate_RefusesMalformedTokens(string token)
    {
        Assert.Null(Hs256Jwt.Validate(token, Encoding.UTF8.GetBytes(Key), DateTimeOffset.FromUnixTimeSeconds(0), out var error));
        Assert.NotEmpty(error);
    }
}
