using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace Collab.Emulators.WebPubSub;

/// <summary>
/// A data message on its way to many connections, rendered once: fan-out to a group must not serialise the same
/// JSON once per member. Reliable connections only splice their own <c>sequenceId</c> onto the shared frame.
/// </summary>
public sealed class OutgoingMessage(string from, string? group, string? fromUserId, MessagePayload payload)
{
    private byte[]? _jsonFrame;

    /// <summary>The payload, for raw clients.</summary>
    public MessagePayload Payload { get; } = payload;

    /// <summary>The frame type raw clients receive.</summary>
    public WebSocketMessageType RawType => Payload.DataType == "binary" ? WebSocketMessageType.Binary : WebSocketMessageType.Text;

    /// <summary>The <c>json.webpubsub.azure.v1</c> frame.</summary>
    public byte[] JsonFrame => _jsonFrame ??= ClientFrames.Message(from, group, fromUserId, Payload, null);

    /// <summary>The reliable frame: the shared frame with <c>"sequenceId":N</c> as its last property.</summary>
    public byte[] ReliableFrame(long sequenceId)
    {
        var frame = JsonFrame;
        var suffix = Encoding.ASCII.GetBytes(",\"sequenceId\":" + sequenceId.ToString(CultureInfo.InvariantCulture) + "}");
        var result = new byte[frame.Length - 1 + suffix.Length];
        frame.AsSpan(0, frame.Length - 1).CopyTo(result);
        suffix.CopyTo(result, frame.Length - 1);
        return result;
    }
}
