using System.Buffers;
using System.Text.Json;

namespace Collab.Emulators.WebPubSub;

/// <summary>Renders the service-to-client JSON frames (shared/protocols/web-pubsub.md §6.3).</summary>
internal static class ClientFrames
{
    public static byte[] Message(string from, string? group, string? fromUserId, MessagePayload payload, long? sequenceId) =>
        Write(w =>
        {
            w.WriteString("type", "message");
            w.WriteString("from", from);
            if (group is not null)
            {
                w.WriteString("group", group);
                w.WriteString("fromUserId", fromUserId);
            }

            w.WriteString("dataType", payload.DataType);
            w.WritePropertyName("data");
            switch (payload.DataType)
            {
                case "json":
                    w.WriteRawValue(payload.Bytes, skipInputValidation: true);
                    break;
                case "text":
                    w.WriteStringValue(System.Text.Encoding.UTF8.GetString(payload.Bytes));
                    break;
                default:
                    w.WriteBase64StringValue(payload.Bytes);
                    break;
            }

            if (sequenceId is { } seq)
            {
                w.WriteNumber("sequenceId", seq);
            }
        });

    public static byte[] Ack(ulong ackId, string? errorName = null, string? errorMessage = null) =>
        Write(w =>
        {
            w.WriteString("type", "ack");
            w.WriteNumber("ackId", ackId);
            w.WriteBoolean("success", errorName is null);
            if (errorName is not null)
            {
                w.WriteStartObject("error");
                w.WriteString("name", errorName);
                w.WriteString("message", errorMessage);
                w.WriteEndObject();
            }
        });

    public static byte[] Connected(string? userId, string connectionId, string? reconnectionToken) =>
        Write(w =>
        {
            w.WriteString("type", "system");
            w.WriteString("event", "connected");
            w.WriteString("userId", userId);
            w.WriteString("connectionId", connectionId);
            if (reconnectionToken is not null)
            {
                w.WriteString("reconnectionToken", reconnectionToken);
            }
        });

    public static byte[] Disconnected(string message) =>
        Write(w =>
        {
            w.WriteString("type", "system");
            w.WriteString("event", "disconnected");
            w.WriteString("message", message);
        });

    public static readonly byte[] Pong = "{\"type\":\"pong\"}"u8.ToArray();

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
