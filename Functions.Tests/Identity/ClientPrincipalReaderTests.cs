using System.Text;
using Collab.Functions.Identity;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Tests.Identity;

/// <summary>Reading the caller from the App Service Authentication headers.</summary>
public sealed class ClientPrincipalReaderTests
{
    private const string Principal = """{"auth_typ":"aad","claims":[{"typ":"name","val":"Alice From Claims"},{"typ":"preferred_username","val":"alice@example.com"}],"name_typ":"name","role_typ":"roles"}""";

    [Fact]
    public void ValidHeaders_GiveTheIdNameAndProvider()
    {
        var user = ClientPrincipalReader.Read(Headers(Encode(Principal), "alice-id", "Alice"));

        Assert.Equal(new SignedInUser("alice-id", "Alice", "aad"), user);
    }

    [Fact]
    public void WithoutTheNameHeader_TheNameComesFromTheNameTypeClaim()
    {
        var user = ClientPrincipalReader.Read(Headers(Encode(Principal.Replace("\"name_typ\":\"name\"", "\"name_typ\":\"preferred_username\"")), "alice-id", null));

        Assert.Equal("alice@example.com", user!.Name);
    }

    [Fact]
    public void ControlCharactersInTheName_AreDropped()
    {
        Assert.Equal("AliceEvil", ClientPrincipalReader.Read(Headers(Encode(Principal), "alice-id", "Alice\u0007Evil"))!.Name);
    }

    [Theory]
    [InlineData(null, "alice-id")]
    [InlineData("", "alice-id")]
    [InlineData("not base64!", "alice-id")]
    [InlineData("bm90IGpzb24=", "alice-id")]
    [InlineData("WzFd", "alice-id")]
    [InlineData("eyJjbGFpbXMiOltdfQ==", "alice-id")]
    [InlineData("eyJhdXRoX3R5cCI6ImFhZCJ9", null)]
    [InlineData("eyJhdXRoX3R5cCI6ImFhZCJ9", "bad\nid")]
    public void MissingOrMalformedPrincipal_IsNoUser(string? principal, string? id)
    {
        Assert.Null(ClientPrincipalReader.Read(Headers(principal, id, "Alice")));
    }

    [Fact]
    public void IdHeaderAlone_IsNoUser()
    {
        Assert.Null(ClientPrincipalReader.Read(Headers(null, "alice-id", "Alice")));
    }

    private static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    private static HeaderDictionary Headers(string? principal, string? id, string? name)
    {
        var headers = new HeaderDictionary();
        if (principal is not null)
        {
            headers["X-MS-CLIENT-PRINCIPAL"] = principal;
        }

        if (id is not null)
        {
            headers["X-MS-CLIENT-PRINCIPAL-ID"] = id;
        }

        if (name is not null)
        {
            headers["X-MS-CLIENT-PRINCIPAL-NAME"] = name;
        }

        return headers;
    }
}
