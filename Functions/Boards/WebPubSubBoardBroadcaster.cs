using System.Text.Json;
using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Functions.WebPubSub;

namespace Collab.Functions.Boards;

/// <summary>Sends committed operations to the board's Web PubSub group as <c>{ name: "op", data: { seq, opId, author, op } }</c>.</summary>
public sealed class WebPubSubBoardBroadcaster(WebPubSubRestClient webPubSub) : IBoardBroadcaster
{
    /// <inheritdoc />
    public async Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var group = BoardChannels.ServerGroup(boardId);
        foreach (var operation in operations)
        {
            var message = JsonSerializer.SerializeToUtf8Bytes(
                new { name = "op", data = new { operation.Seq, operation.OpId, operation.Author, operation.Op } },
                BoardJson.Options);
            await webPubSub.SendToGroupAsync(group, message, cancellationToken);
        }
    }
}
