namespace Collab.Emulators.AcsRooms;

/// <summary>Configuration of the emulator's Rooms control plane, section <c>Acs:Rooms</c>.</summary>
public sealed class AcsRoomsEmulatorOptions
{
    /// <summary>The Rooms api-versions accepted (shared/protocols/acs-chat-rooms.md §8: 2025-03-13 is the SDK's).</summary>
    public List<string> ApiVersions { get; set; } = ["2023-06-14", "2024-04-15", "2025-02-28", "2025-03-13"];

    /// <summary>The longest validity window, and how far ahead <c>validFrom</c> may be ("up to six months", §8).</summary>
    public TimeSpan MaxValidity { get; set; } = TimeSpan.FromDays(180);

    /// <summary>How many rooms the emulator holds at once; creating one more is refused until some are deleted.</summary>
    public int MaxRooms { get; set; } = 10_000;

    /// <summary>How many participants one room holds; the real limit is unpublished (§8 UNVERIFIED), 350 join a call.</summary>
    public int MaxParticipantsPerRoom { get; set; } = 1_000;

    /// <summary>Items per page of <c>GET /rooms</c> and <c>GET /rooms/{id}/participants</c>; further pages via <c>nextLink</c>.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>How many <c>Repeatability-Request-ID</c>s are remembered for idempotent create; the oldest is forgotten first.</summary>
    public int MaxRepeatabilityEntries { get; set; } = 10_000;
}
