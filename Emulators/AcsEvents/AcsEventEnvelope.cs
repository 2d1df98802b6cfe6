using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Collab.Emulators.AcsEvents;

/// <summary>
/// Puts an event into the wire schemas, with the keys in the service's order: an Event Grid array (every envelope
/// field, as @azure/eventgrid requires) or a structured CloudEvent 1.0 (shared/protocols/acs-chat-rooms.md §11, §13.2–§13.3).
/// </summary>
public static class AcsEventEnvelope
{
    // The service writes '+' in offsets and '<' in html bodies as is; the default encoder would escape them.
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The event's <c>data</c> as JSON text, as it will be sent.</summary>
    public static string DataJson(JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.ToJsonString(Relaxed);
    }

    /// <summary>
    /// <c>[{"id","topic","subject","data","eventType","dataVersion","metadataVersion":"1","eventTime"}]</c>, the event
    /// time with seven fractional digits as the service sends it.
    /// </summary>
    public static byte[] EventGrid(string id, string topic, string subject, string eventType, string dataJson, DateTimeOffset time, string dataVersion = "1.0") =>
        Write(writer =>
        {
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("topic", topic);
            writer.WriteString("subject", subject);
            writer.WritePropertyName("data");
            writer.WriteRawValue(dataJson);
            writer.WriteString("eventType", eventType);
            writer.WriteString("dataVersion", dataVersion);
            writer.WriteString("metadataVersion", "1");
            writer.WriteString("eventTime", Time(time));
            writer.WriteEndObject();
            writer.WriteEndArray();
        });

    /// <summary><c>{"specversion":"1.0","id","source","subject","type","time","datacontenttype","data"}</c>.</summary>
    public static byte[] CloudEvent(string id, string source, string subject, string type, string dataJson, DateTimeOffset time) =>
        Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", "1.0");
            writer.WriteString("id", id);
            writer.WriteString("source", source);
            writer.WriteString("subject", subject);
            writer.WriteString("type", type);
            writer.WriteString("time", Time(time));
            writer.WriteString("datacontenttype", "application/json");
            writer.WritePropertyName("data");
            writer.WriteRawValue(dataJson);
            writer.WriteEndObject();
        });

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Writer))
        {
            write(writer);
        }

        return buffer.ToArray();
    }
}
