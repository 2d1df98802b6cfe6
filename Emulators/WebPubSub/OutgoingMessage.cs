using System.Globalization;
using System.Net.WebSockets;

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
    /// <remarks>Written straight into the one array each receiver needs: this runs once per receiver of every message.</remarks>
    public byte[] ReliableFrame(long sequenceId)
    {
        var frame = JsonFrame;
        Span<byte> digits = stackalloc byte[20];
        sequenceId.TryFormat(digits, out var length, provider: CultureInfo.InvariantCulture);
        var result = new byte[frame.Length - 1 + SequenceIdProperty.Length + length + 1];
        frame.AsSpan(0, frame.Length - 1).CopyTo(result);
        SequenceIdProperty.CopyTo(result.AsSpan(frame.Length - 1));
        digits[..length].CopyTo(result.AsSpan(frame.Length - 1 + SequenceIdProperty.Length));
        result[^1] = (byte)'}';
        return result;
    }

    private static ReadOnlySpan<byte> SequenceIdProperty => ",\"sequenceId\":"u8;
}
