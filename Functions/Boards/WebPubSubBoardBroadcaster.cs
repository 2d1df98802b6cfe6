using System.Buffers;
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
/// <remarks>
/// A batch of large operations (up to 32 of 64 KiB each) would exceed the 1 MB a Web PubSub message may carry, so a
/// batch whose entries pass <see cref="MaxMessageBytes"/> goes out as several messages, in order, each with whole
/// entries.
/// </remarks>
public sealed class WebPubSubBoardBroadcaster(WebPubSubRestClient webPubSub) : IBoardBroadcaster
{
    /// <summary>The most bytes of entries one message carries (an entry larger than this still goes, alone).</summary>
    public const int MaxMessageBytes = 512 * 1024;

    private static ReadOnlySpan<byte> Prefix => """{"name":"ops","data":{"ops":["""u8;

    private static ReadOnlySpan<byte> Suffix => "]}}"u8;

    /// <inheritdoc />
    public async Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var group = BoardChannels.ServerGroup(boardId);
        var message = new ArrayBufferWriter<byte>();
        foreach (var operation in operations)
        {
            var entry = JsonSerializer.SerializeToUtf8Bytes(operation, BoardJson.Options);
            if (message.WrittenCount > 0 && message.WrittenCount + entry.Length > MaxMessageBytes)
            {
                await SendAsync(group, message, cancellationToken);
            }

            message.Write(message.WrittenCount == 0 ? Prefix : ","u8);
            message.Write(entry);
        }

        if (message.WrittenCount > 0)
        {
            await SendAsync(group, message, cancellationToken);
        }
    }

    private async Task SendAsync(string group, ArrayBufferWriter<byte> message, CancellationToken cancellationToken)
    {
        message.Write(Suffix);
        await webPubSub.SendToGroupAsync(group, message.WrittenMemory, cancellationToken);
        message.Clear();
    }
}
