using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Collab.Functions.Tests.Infrastructure;
using Collab.Protocols.Fluid;

namespace Collab.Functions.Tests.Protocols;

/// <summary>The test vector of shared/protocols/fluid-relay.md §10 (jsrsasign, the call path of generateToken).</summary>
public sealed class FluidTokenTests
{
    private const string VectorToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJkb2N1bWVudElkIjoiZG9jLTEyMyIsInNjb3BlcyI6WyJkb2M6cmVhZCIsImRvYzp3cml0ZSIsInN1bW1hcnk6d3JpdGUiXSwidGVuYW50SWQiOiJteS10ZW5hbnQtaWQiLCJ1c2VyIjp7ImlkIjoidXNlci0xIiwibmFtZSI6IkFsaWNlIn0sImlhdCI6MTcwNDA2NzIwMCwiZXhwIjoxNzA0MDcwODAwLCJ2ZXIiOiIxLjAiLCJqdGkiOiIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAifQ.Mj55nXdEky5SHCvscSgN3HWy7_lDIYMC2NA921SjuUc";

    [Fact]
    public void Create_ReproducesTheVectorByteForByte()
    {
        Assert.Equal(VectorToken, FluidToken.Create(Claims(), "my-tenant-key"));
    }

    [Fact]
    public void Signature_IsKeyedWithTheUtf8BytesOfTheTenantKey()
    {
        var parts = VectorToken.Split('.');
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes("my-tenant-key"), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));

        Assert.Equal(expected, Base64Url.DecodeFromChars(parts[2]));
        Assert.NotEqual(VectorToken, FluidToken.Create(Claims(), "bXktdGVuYW50LWtleQ=="));
    }

    [Fact]
    public void Create_WritesAdditionalDetailsInsideUser()
    {
        var token = FluidToken.Create(Claims() with { AdditionalDetails = new JsonObject { ["email"] = "alice@example.com" } }, "k");

        var payload = JwtPayload.Text(token);
        Assert.Contains("\"user\":{\"id\":\"user-1\",\"name\":\"Alice\",\"additionalDetails\":{\"email\":\"alice@example.com\"}},\"iat\"", payload);
    }

    [Fact]
    public void Create_RefusesWhatFluidRelayWouldRefuse()
    {
        Assert.Throws<ArgumentException>(() => FluidToken.Create(Claims() with { Scopes = [] }, "k"));
        Assert.Throws<ArgumentException>(() => FluidToken.Create(Claims() with { UserName = "" }, "k"));
        Assert.Throws<ArgumentException>(() => FluidToken.Create(Claims() with { ExpiresAt = Claims().IssuedAt.AddSeconds(3601) }, "k"));
    }

    private static FluidTokenClaims Claims() => new(
        "doc-123",
        ["doc:read", "doc:write", "summary:write"],
        "my-tenant-id",
        "user-1",
        "Alice",
        null,
        DateTimeOffset.FromUnixTimeSeconds(1704067200),
        DateTimeOffset.FromUnixTimeSeconds(1704070800),
        Guid.Parse("00000000-0000-4000-8000-000000000000"));
}
