using Collab.Functions.Tests.Infrastructure;
using Collab.Protocols.WebPubSub;

namespace Collab.Functions.Tests.Protocols;

/// <summary>The client token vector of shared/protocols/web-pubsub.md §3.2, produced by @azure/web-pubsub 1.2.0.</summary>
public sealed class ClientAccessTokenTests
{
    private const string ConnectionString = "Endpoint=http://127.0.0.1:39223;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;";

    private const string VectorToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjpbIndlYnB1YnN1Yi5zZW5kVG9Hcm91cC5kcmF3Il0sIndlYnB1YnN1Yi5ncm91cCI6WyJkcmF3Il0sImlhdCI6MTc5NTU5NDY3NiwiZXhwIjoxNzk1NTk4Mjc2LCJhdWQiOiJodHRwOi8vMTI3LjAuMC4xOjM5MjIzL2NsaWVudC9odWJzL1NhbXBsZV9EcmF3Iiwic3ViIjoidXNlcjEifQ.refGimOJ7EG-Gg3TKltFmDozmcb_xy4v1IQFy_Zc-gY";

    [Fact]
    public void Create_ReproducesTheSdkTokenByteForByte()
    {
        var connection = WebPubSubConnectionString.Parse(ConnectionString);

        var token = ClientAccessToken.Create(
            connection.ClientAudience("Sample_Draw"),
            "user1",
            ["webpubsub.sendToGroup.draw"],
            ["draw"],
            DateTimeOffset.FromUnixTimeSeconds(1795594676),
            DateTimeOffset.FromUnixTimeSeconds(1795598276),
            connection.KeyBytes);

        Assert.Equal(VectorToken, token);
    }

    [Fact]
    public void Create_OmitsSubRolesAndGroupsWhenNotGiven()
    {
        var token = ClientAccessToken.Create("http://h/client/hubs/x", null, [], [], DateTimeOffset.FromUnixTimeSeconds(10), DateTimeOffset.FromUnixTimeSeconds(70), "k"u8);

        var payload = JwtPayload.Text(token);
        Assert.Equal("{\"iat\":10,\"exp\":70,\"aud\":\"http://h/client/hubs/x\"}", payload);
    }
}
