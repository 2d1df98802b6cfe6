using Collab.Boards.Model;

namespace Collab.Boards.Live;

/// <summary>Tells a board's connections about committed operations.</summary>
public interface IBoardBroadcaster
{
    /// <summary>Sends each operation, in order, to the board's connections.</summary>
    Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken);
}
