namespace Collab.Emulators.AcsChat;

/// <summary>
/// Configuration of the emulator's chat data plane, section <c>Acs:Chat</c>: the service's limits
/// (shared/protocols/acs-chat-rooms.md §5) and the bounds of the emulator's own memory.
/// </summary>
public sealed class AcsChatEmulatorOptions
{
    /// <summary>The chat api-versions accepted (§2); the SDK sends <c>2025-03-15</c>.</summary>
    public List<string> ApiVersions { get; set; } = ["2021-03-07", "2021-09-07", "2023-11-07", "2024-03-07", "2024-09-01", "2025-03-15"];

    /// <summary>Participants per thread (service limit 250).</summary>
    public int MaxParticipants { get; set; } = 250;

    /// <summary>Participants per create or add request (service limit 200).</summary>
    public int MaxParticipantsPerRequest { get; set; } = 200;

    /// <summary>The largest <c>maxPageSize</c> (service limit 200 for messages; the emulator applies it to every list).</summary>
    public int MaxPageSize { get; set; } = 200;

    /// <summary>The page size when the caller gives none (the service's defaults are not documented).</summary>
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>The largest message content in UTF-8 bytes (service: about 28 KB).</summary>
    public int MaxMessageBytes { get; set; } = 28 * 1024;

    /// <summary>The largest request body in bytes; larger ones get 413.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Threads the emulator holds at once; creating more is refused until some are deleted.</summary>
    public int MaxThreads { get; set; } = 10_000;

    /// <summary>Messages (user and system) one thread holds; more user messages are refused, system messages evict the oldest.</summary>
    public int MaxMessagesPerThread { get; set; } = 5_000;

    /// <summary>Removed participants remembered per thread (they still see the thread in their list, §5); the oldest are forgotten first.</summary>
    public int MaxFormerParticipantsPerThread { get; set; } = 1_000;

    /// <summary><c>repeatability-request-id</c>s remembered for replay (§3); the oldest are forgotten first.</summary>
    public int MaxRepeatabilityEntries { get; set; } = 1_000;

    /// <summary>Read receipts and typing notifications are not kept above this many participants (§5).</summary>
    public int MaxParticipantsForReadReceipts { get; set; } = 20;
}
