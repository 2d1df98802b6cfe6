using Collab.Functions.Identity;
using Collab.Functions.Mcp;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;

namespace Collab.Functions.Tests.Mcp;

/// <summary>
/// The session id that carries an agent's <c>clientInfo</c> across stateless requests and instances: every instance
/// opens what another issued (keys from the Web PubSub access keys, shared/protocols/web-pubsub.md §2), for the same
/// user only, until it expires, and across a key rotation while the old key is the secondary.
/// </summary>
public sealed class McpSessionIdsTests
{
    private const string KeyA = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
    private const string KeyB = "HGFEDCBA9876543210ZYXWVUTSRQPONMLKJIHGFEDCBA";
    private static readonly SignedInUser Alice = new("alice-id", "Alice", "aad");
    private static readonly Implementation Agent = new() { Name = "Claude\u0007 Desktop", Version = "1.0" };

    [Fact]
    public void AnotherInstance_OpensTheId_ForTheSameUserOnly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var id = Ids(time, KeyA).Issue(Alice, Agent);

        var opened = Ids(time, KeyA).Open(id, Alice);

        Assert.Equal("Claude Desktop", opened?.Name);
        Assert.Equal("1.0", opened?.Version);
        Assert.Null(Ids(time, KeyA).Open(id, Alice with { UserId = "mallory-id" }));
        Assert.DoesNotContain("alice-id", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Pad(id.Split('.')[1]))), StringComparison.Ordinal);
    }

    [Fact]
    public void AnId_Expires_AndIsTiedToTheAccessKeys()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var id = Ids(time, KeyA).Issue(Alice, Agent);

        Assert.NotNull(Ids(time, KeyB, secondary: KeyA).Open(id, Alice));
        Assert.Null(Ids(time, KeyB).Open(id, Alice));
        Assert.Null(Ids(time, KeyA).Open(id[..^2] + (id[^2] == 'A' ? "BB" : "AA"), Alice));
        time.Advance(McpSessionIds.Lifetime);
        Assert.Null(Ids(time, KeyA).Open(id, Alice));
    }

    private static McpSessionIds Ids(TimeProvider time, string key, string secondary = "") =>
        new(Options.Create(new WebPubSubOptions { ConnectionString = $"Endpoint=http://127.0.0.1:9;AccessKey={key};Version=1.0;", SecondaryAccessKey = secondary }), time);

    private static string Pad(string base64Url)
    {
        var base64 = base64Url.Replace('-', '+').Replace('_', '/');
        return base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
    }
}
