using Collab.Protocols.WebPubSub;

namespace Collab.Functions.Tests.Protocols;

/// <summary>The worked example of shared/protocols/web-pubsub.md §4.3.</summary>
public sealed class CloudEventSignatureTests
{
    private const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
    private const string Expected = "sha256=8de7281e588e23b0a30a7180ffa240257b8176e983004c240c9f3f7a7233c993";

    [Fact]
    public void Create_ReproducesTheWorkedExample() => Assert.Equal(Expected, CloudEventSignature.Create("conn1", [Key]));

    [Fact]
    public void Create_HasOneEntryPerKey() =>
        Assert.Equal(Expected + "," + CloudEventSignature.Create("conn1", ["other-key"]), CloudEventSignature.Create("conn1", [Key, "other-key"]));

    [Theory]
    [InlineData(Expected)]
    [InlineData("sha256=8DE7281E588E23B0A30A7180FFA240257B8176E983004C240C9F3F7A7233C993")]
    [InlineData("sha256=0000,sha256=8de7281e588e23b0a30a7180ffa240257b8176e983004c240c9f3f7a7233c993")]
    public void IsValid_AcceptsAnyMatchingEntryInAnyCase(string header) => Assert.True(CloudEventSignature.IsValid(header, "conn1", [Key]));

    [Fact]
    public void IsValid_AcceptsTheSecondaryKeyDuringRotation() =>
        Assert.True(CloudEventSignature.IsValid(Expected, "conn1", ["new-primary-key", Key]));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("8de7281e588e23b0a30a7180ffa240257b8176e983004c240c9f3f7a7233c993")]
    [InlineData("sha1=8de7281e588e23b0a30a7180ffa240257b8176e983004c240c9f3f7a7233c993")]
    [InlineData("sha256=8de7281e588e23b0a30a7180ffa240257b8176e983004c240c9f3f7a7233c994")]
    public void IsValid_RefusesWrongOrMissingSignatures(string? header) => Assert.False(CloudEventSignature.IsValid(header, "conn1", [Key]));

    [Fact]
    public void IsValid_RefusesASignatureForAnotherConnection() => Assert.False(CloudEventSignature.IsValid(Expected, "conn2", [Key]));
}
