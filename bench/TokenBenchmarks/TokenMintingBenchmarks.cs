using System.Text;
using Azure.Storage.Blobs;
using BenchmarkDotNet.Attributes;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.Configuration;
using Collab.Functions.Hub;
using Collab.Functions.Identity;
using Collab.Functions.Tokens;
using Collab.Functions.WebPubSub;
using Collab.Protocols.Acs;
using Collab.Protocols.Fluid;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Collab.Bench.TokenBenchmarks;

/// <summary>
/// The per-request cost of the token endpoints' cryptography and serialisation, without HTTP: minting a Web PubSub
/// client URL and a Fluid token (issue 4 target: under 10 µs each) and signing one ACS request (under 5 µs).
/// </summary>
[MemoryDiagnoser]
public class TokenMintingBenchmarks
{
    private static readonly SignedInUser User = new("aad|3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Alice Example", "aad");
    private static readonly byte[] AcsKey = Convert.FromBase64String("bG9jYWwtYWNzLWVtdWxhdG9yLWtleS1ub3QtYS1zZWNyZXQ=");
    private static readonly byte[] AcsBody = Encoding.UTF8.GetBytes("{\"scopes\":[\"chat\",\"voip\"],\"expiresInMinutes\":60}");
    private static readonly Uri AcsUri = new("https://contoso.communication.azure.com/identities/8%3Aacs%3A2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081/:issueAccessToken?api-version=2023-10-01");

    // Minting alone is measured: the board read that negotiate and the Fluid token do first is a storage round trip.
    private static readonly BoardStore Boards = new(new BlobServiceClient(new Uri("https://collabstore.blob.core.windows.net")), NullLogger<BoardStore>.Instance);

    private readonly WebPubSubTokenIssuer _webPubSub = new(
        Options.Create(new WebPubSubOptions
        {
            ConnectionString = "Endpoint=https://collab.webpubsub.azure.com;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;",
            Hub = "collab",
        }),
        new BoardMetadataCache(Boards, TimeProvider.System),
        TimeProvider.System);

    private readonly FluidTokenIssuer _fluid = new(
        Options.Create(new FluidRelayOptions { TenantId = "tenant", TenantKey = "0123456789abcdef0123456789abcdef", Endpoint = "https://eu.fluidrelay.azure.com" }),
        Boards,
        TimeProvider.System);

    private readonly FluidTokenRequest _fluidRequest = new("tenant", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", null, null, null);

    [Benchmark(Description = "Web PubSub negotiate (token + URL, after the board's access check)")]
    public NegotiateResponse Negotiate() => _webPubSub.Issue(User, "board-123", BoardRoles.Editor);

    [Benchmark(Description = "Fluid token")]
    public string FluidToken() => _fluid.Issue(User, _fluidRequest, readOnly: false);

    [Benchmark(Description = "ACS request signature")]
    public HttpRequestMessage SignAcsRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, AcsUri);
        AcsRequestSigner.Sign(request, AcsBody, AcsKey, DateTimeOffset.UtcNow);
        return request;
    }
}
