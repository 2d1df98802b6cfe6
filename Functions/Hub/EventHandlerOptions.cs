using System.ComponentModel.DataAnnotations;

namespace Collab.Functions.Hub;

/// <summary>
/// What one Web PubSub connection or user may cost the event handler, section <c>EventHandler</c>. Every limit is
/// per instance: a scaled-out app allows up to a limit per instance that the service sends the connection's events to.
/// </summary>
public sealed class EventHandlerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "EventHandler";

    /// <summary>Operations (user events) one connection may send per second, sustained; beyond it they are refused with 429.</summary>
    [Range(1, 100_000, ErrorMessage = "EventHandler:OperationsPerSecond must be 1 to 100000.")]
    public int OperationsPerSecond { get; set; } = 20;

    /// <summary>Operations one connection may send at once after a quiet moment (the token bucket's size).</summary>
    [Range(1, 1_000_000, ErrorMessage = "EventHandler:OperationBurst must be 1 to 1000000.")]
    public int OperationBurst { get; set; } = 40;

    /// <summary>The most connections whose operation budget is remembered; past it the idle ones, then the least recently used, are forgotten.</summary>
    [Range(100, 10_000_000, ErrorMessage = "EventHandler:TrackedConnections must be 100 to 10000000.")]
    public int TrackedConnections { get; set; } = 100_000;

    /// <summary>Connections one user may have open on one board; a further <c>connect</c> is refused with 429.</summary>
    [Range(1, 1000, ErrorMessage = "EventHandler:ConnectionsPerUserPerBoard must be 1 to 1000.")]
    public int ConnectionsPerUserPerBoard { get; set; } = 10;

    /// <summary>
    /// How long a board's presence changes must have stopped before one broadcast tells the board about all of them
    /// (longer on large boards); see <see cref="PresenceService"/> for the whole rule.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05", ErrorMessage = "EventHandler:PresenceDelay must be 00:00:00.010 to 00:00:05.")]
    public TimeSpan PresenceDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest a presence change waits for its broadcast while others keep coming.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "EventHandler:PresenceMaxDelay must be 00:00:00.010 to 00:01:00.")]
    public TimeSpan PresenceMaxDelay { get; set; } = TimeSpan.FromSeconds(5);
}
