using Collab.Boards.Live;
using Collab.Boards.Model;

namespace Collab.Functions.Boards;

/// <summary>
/// The broadcaster of the <see cref="BoardsAppOptions.HandlerOnly"/> benchmark mode: committed operations are sent to
/// nobody, so the event handler is measured without the Web PubSub round trip. Never deploy it.
/// </summary>
public sealed class SilentBoardBroadcaster : IBoardBroadcaster
{
    /// <inheritdoc />
    public Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken) => Task.CompletedTask;
}
