using System.Globalization;

namespace Collab.Boards.Live;

/// <summary>What the boards loaded in this instance hold against their budgets, for health and metrics.</summary>
/// <param name="LoadedBoards">Boards held in memory now.</param>
/// <param name="EstimatedBytes">Their estimated bytes (state, deduplication windows, catch-up queues).</param>
/// <param name="MaxBoards">The board budget (<see cref="BoardsOptions.LiveMaxBoards"/>).</param>
/// <param name="MaxBytes">The byte budget (<see cref="BoardsOptions.LiveMaxBytes"/>).</param>
/// <param name="IdleEvictions">Boards unloaded since start because they were idle.</param>
/// <param name="BoardBudgetEvictions">Boards unloaded since start to stay within the board budget.</param>
/// <param name="ByteBudgetEvictions">Boards unloaded since start to stay within the byte budget.</param>
/// <param name="BudgetEvictionsLastMinute">Boards unloaded for either budget in about the last minute.</param>
public sealed record LiveBoardsUsage(
    int LoadedBoards,
    long EstimatedBytes,
    int MaxBoards,
    long MaxBytes,
    long IdleEvictions,
    long BoardBudgetEvictions,
    long ByteBudgetEvictions,
    long BudgetEvictionsLastMinute)
{
    /// <summary>
    /// Why the live budget is under pressure, or null when it is not: either budget at or above
    /// <paramref name="percent"/>, or boards unloaded for a budget (rather than for idleness) in the last minute,
    /// which means boards in use are pushing each other out.
    /// </summary>
    public string? PressureReason(int percent)
    {
        var reasons = new List<string>();
        var bytesShare = MaxBytes > 0 ? 100.0 * EstimatedBytes / MaxBytes : 0;
        var boardsShare = MaxBoards > 0 ? 100.0 * LoadedBoards / MaxBoards : 0;
        if (bytesShare >= percent)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"live boards at {bytesShare:0}% of the byte budget ({EstimatedBytes} of {MaxBytes} bytes)"));
        }

        if (boardsShare >= percent)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"live boards at {boardsShare:0}% of the board budget ({LoadedBoards} of {MaxBoards})"));
        }

        if (BudgetEvictionsLastMinute > 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{BudgetEvictionsLastMinute} evicted for budget in the last minute"));
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }
}

/// <summary>Why a board was unloaded.</summary>
public enum EvictionReason
{
    /// <summary>Unused for <see cref="BoardsOptions.LiveIdleTimeout"/>.</summary>
    Idle,

    /// <summary>Over <see cref="BoardsOptions.LiveMaxBoards"/>.</summary>
    BoardBudget,

    /// <summary>Over <see cref="BoardsOptions.LiveMaxBytes"/>.</summary>
    ByteBudget,
}
