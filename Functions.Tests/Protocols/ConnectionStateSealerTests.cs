using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Collab.Functions.Hub;

namespace Collab.Functions.Tests.Protocols;

/// <summary>
/// The sealed <c>ce-connectionState</c> (shared/protocols/web-pubsub.md §4.8 says only that the service round-trips a
/// base64 value): its layout, its key (HKDF-SHA256 of an access key, info <c>collab connection state</c>), and key rotation.
/// </summary>
public sealed class ConnectionStateSealerTests
{
    private const string Primary = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
    private const string Secondary = "secondary-access-key-0123456789-abcdefghij";

    private static readonly ConnectionState State = new("b0123456789abcdef", "Alice", "editor", "conn1", "alice", new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Seal_IsBase64OfAFormatByte_TheStatesJson_AndAnHmacOverBoth_KeyedByHkdfOfTheAccessKey()
    {
        var bytes = Convert.FromBase64String(new ConnectionStateSealer([Primary]).Seal(State));

        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(Primary), 32, [], Encoding.UTF8.GetBytes("collab connection state"));
        Assert.Equal(1, bytes[0]);
        Assert.Equal(HMACSHA256.HashData(key, bytes[..^32]), bytes[^32..]);
        Assert.Equal(State, JsonSerializer.Deserialize<ConnectionState>(bytes[1..^32], new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }

    [Fact]
    public void Open_AcceptsAStateSealedWithEitherConfiguredKey_SoKeysCanBeRotated()
    {
        var sealedBeforeRotation = new ConnectionStateSealer([Primary, Secondary]).Seal(State);

        // The keys swapped places: the app now seals with the other key, and still opens what it sealed before.
        Assert.Equal(State, new ConnectionStateSealer([Secondary, Primary]).Open(sealedBeforeRotation));
        Assert.Null(new ConnectionStateSealer([Secondary]).Open(sealedBeforeRotation));
    }

    [Fact]
    public void Open_RefusesEveryChangedByte_TheUnsignedStateOfEarlierVersions_AndGarbage()
    {
        var sealer = new ConnectionStateSealer([Primary]);
        var bytes = Convert.FromBase64String(sealer.Seal(State));

        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 1;
            Assert.Null(sealer.Open(Convert.ToBase64String(changed)));
        }

        Assert.Null(sealer.Open(Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { boardId = State.BoardId, name = "Alice" }))));
        Assert.Null(sealer.Open(Convert.ToBase64String(bytes[..^1])));
        Assert.Null(sealer.Open("not base64"));
        Assert.Null(sealer.Open(""));
        Assert.Null(sealer.Open(null));
    }
}
