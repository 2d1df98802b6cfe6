using Collab.Protocols.Acs;
using Collab.Protocols.WebPubSub;

namespace Collab.Functions.Tests.Protocols;

/// <summary>Parsing rules of shared/protocols/web-pubsub.md §2 and acs-identity.md §9.</summary>
public sealed class ConnectionStringTests
{
    [Fact]
    public void WebPubSub_NormalisesTheEndpointAndBuildsAudiences()
    {
        var parsed = WebPubSubConnectionString.Parse("Endpoint=http://127.0.0.1:39223;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;");

        Assert.Equal("http://127.0.0.1:39223/", parsed.Endpoint.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:39223/client/hubs/Sample_Draw", parsed.ClientAudience("Sample_Draw"));
        Assert.Equal("ws://127.0.0.1:39223/client/hubs/Sample_Draw", parsed.ClientEndpoint("Sample_Draw").AbsoluteUri);
    }

    [Fact]
    public void WebPubSub_AppliesPortAndDefaultsToHttps()
    {
        var parsed = WebPubSubConnectionString.Parse("endpoint=contoso.webpubsub.azure.com;accesskey=k;port=8443");

        Assert.Equal("https://contoso.webpubsub.azure.com:8443/", parsed.Endpoint.AbsoluteUri);
        Assert.Equal("wss", parsed.ClientEndpoint("h").Scheme);
    }

    [Theory]
    [InlineData("AccessKey=k;Version=1.0")]
    [InlineData("Endpoint=http://x;Version=1.0")]
    [InlineData("Endpoint=http://x;AccessKey=k;AccessKey=j")]
    [InlineData("Endpoint=ftp://x;AccessKey=k")]
    [InlineData("Endpoint=http://x;AccessKey=k;Port=0")]
    [InlineData("garbage")]
    public void WebPubSub_RefusesMalformedStrings(string value) => Assert.Throws<FormatException>(() => WebPubSubConnectionString.Parse(value));

    [Theory]
    [InlineData("endpoint=http://localhost:7071;accesskey=c2VjcmV0")]
    [InlineData("ENDPOINT=http://127.0.0.1:5000/;AccessKey=c2VjcmV0")]
    [InlineData("endpoint=https://x.communication.azure.com/;accesskey=c2VjcmV0")]
    public void Acs_AcceptsTheSdkForms(string value) => Assert.Equal("secret"u8.ToArray(), AcsConnectionString.Parse(value).Key);

    [Theory]
    [InlineData("endpoint=http://localhost:7071/acs;accesskey=c2VjcmV0")]
    [InlineData("accesskey=c2VjcmV0;endpoint=http://localhost:7071")]
    [InlineData("endpoint=http://localhost:7071;accesskey=not base64!")]
    public void Acs_RefusesWhatTheSdkRefuses(string value) => Assert.Throws<FormatException>(() => AcsConnectionString.Parse(value));
}
