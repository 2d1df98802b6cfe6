using System.Text.Json;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Functions.WebPubSub;

namespace Collab.Functions.Boards;

/// <summary>
/// Sends one committed group-commit batch to the board's Web PubSub group as a single message,
/// <c>{ name: "ops", data: { ops: [ { seq, opId, author, at, op }, … ] } }</c>, its entries in seq order and shaped
/// like those of <c>GET /api/boards/{id}/ops?after=N</c>. One REST call per batch rather than per operation keeps the
/// broadcast from queueing behind itself when many operations commit together; a receiver that sees a seq gap
/// (a lost message) catches up from the log.
/// </summary>
public sealed class WebPubSubBoardBroadcaster(WebPubSubRestClient webPubSub) : IBoardBroadcaster
{
    /// <inheritdoc />
    public async Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return;
        }

        var message = JsonSerializer.SerializeToUtf8Bytes(new { name = "ops", data = new { ops = operations } }, BoardJson.Options);
        await webPubSub.SendToGroupAsync(BoardChannels.ServerGroup(boardId), message, cancellationToken);
    }
}
