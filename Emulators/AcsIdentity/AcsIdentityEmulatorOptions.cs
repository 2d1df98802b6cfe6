using Collab.Emulators.AcsChat;
using Collab.Emulators.AcsEvents;
using Collab.Emulators.AcsRooms;

namespace Collab.Emulators.AcsIdentity;

/// <summary>Configuration of the ACS identity emulator, section <c>Acs</c>.</summary>
public sealed class AcsIdentityEmulatorOptions
{
    /// <summary>The default access key (base64 of a public, non-secret string) so the sample settings work out of the box.</summary>
    public const string DefaultAccessKey = "bG9jYWwtYWNzLWVtdWxhdG9yLWtleS1ub3QtYS1zZWNyZXQ=";

    /// <summary>The base64 access key; its decoded bytes are the HMAC key.</summary>
    public string AccessKey { get; set; } = DefaultAccessKey;

    /// <summary>The resource id embedded in identities (<c>8:acs:{ResourceId}_{user}</c>) and tokens.</summary>
    public Guid ResourceId { get; set; } = new("2dee53b4-368b-45b4-ab52-8493fb117652");

    /// <summary>The api-versions accepted on every request.</summary>
    public List<string> ApiVersions { get; set; } = ["2021-03-07", "2022-06-01", "2022-10-01", "2023-08-01", "2023-10-01", "2025-06-30"];

    /// <summary>How far <c>x-ms-date</c> may be from the emulator's clock.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The development certificate of the HTTPS listener.</summary>
    public AcsHttpsOptions Https { get; set; } = new();

    /// <summary>The chat data plane under <c>/chat</c>.</summary>
    public AcsChatEmulatorOptions Chat { get; set; } = new();

    /// <summary>The Rooms control plane under <c>/rooms</c>.</summary>
    public AcsRoomsEmulatorOptions Rooms { get; set; } = new();

    /// <summary>Event delivery to webhooks.</summary>
    public AcsEventsEmulatorOptions Events { get; set; } = new();
}
