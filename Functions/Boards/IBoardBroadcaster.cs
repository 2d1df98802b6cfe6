namespace Collab.Functions.Boards;

/// <summary>Tells a board's connections about committed operations.</summary>
public interface IBoardBroadcaster
{
    /// <summary>Sends each operation, in order, to the board's group as <c>{ name: "op", data }</c>.</summary>
    Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken);
}
