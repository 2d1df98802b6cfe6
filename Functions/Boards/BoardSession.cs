using System.Collections.Concurrent;

namespace Collab.Functions.Boards;

/// <summary>One board held in memory by this instance: its state at the log's tail, the recent operations, and the writer's queue.</summary>
internal sealed class BoardSession(string boardId)
{
    public string BoardId { get; } = boardId;

    /// <summary>One writer (or reader catching up) at a time per board in this instance; other instances are held off by append conditions.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public ConcurrentQueue<PendingOperation> Pending { get; } = new();

    public LogCursor? Cursor { get; set; }

    /// <summary>Author + operation id → seq, for the operations in <see cref="CommittedOrder"/>.</summary>
    public Dictionary<string, long> Committed { get; } = new(StringComparer.Ordinal);

    /// <summary>The deduplication window, oldest first.</summary>
    public Queue<RecentOperation> CommittedOrder { get; } = new();

    /// <summary>The latest operations, oldest first: the fast path of catch-up.</summary>
    public Queue<LoggedOperation> RecentLog { get; } = new();

    /// <summary>The tail of this board's ordered broadcasts.</summary>
    public Task Broadcasts { get; set; } = Task.CompletedTask;
}
