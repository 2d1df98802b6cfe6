using System.Globalization;
using System.Text.Json.Nodes;

namespace Collab.Emulators.AcsChat;

/// <summary>
/// <c>CommunicationIdentifierModel</c>s and timestamps as the chat service writes them
/// (shared/protocols/acs-chat-rooms.md §4; rule 5: both <c>rawId</c> and <c>communicationUser.id</c>).
/// </summary>
internal static class ChatIdentifiers
{
    private static readonly string[] AcsUserPrefixes = ["8:acs:", "8:spool:", "8:dod-acs:", "8:gcch-acs:"];

    /// <summary>The model of <paramref name="rawId"/>: ACS users carry <c>communicationUser</c> too.</summary>
    public static JsonObject Model(string rawId) =>
        AcsUserPrefixes.Any(p => rawId.StartsWith(p, StringComparison.Ordinal))
            ? new JsonObject { ["rawId"] = rawId, ["communicationUser"] = new JsonObject { ["id"] = rawId } }
            : new JsonObject { ["rawId"] = rawId };

    /// <summary>Reads the raw id of an identifier model (<c>rawId</c>, else <c>communicationUser.id</c>); null when it has neither.</summary>
    public static string? RawId(JsonNode? node)
    {
        if (node is not JsonObject model)
        {
            return null;
        }

        var rawId = model["rawId"] is JsonValue raw && raw.TryGetValue<string>(out var r) ? r : null;
        var userId = model["communicationUser"]?["id"] is JsonValue user && user.TryGetValue<string>(out var u) ? u : null;
        var id = string.IsNullOrEmpty(rawId) ? userId : rawId;
        return string.IsNullOrEmpty(id) ? null : id;
    }

    /// <summary>A time as the service writes it: UTC, seven fraction digits, <c>Z</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>An event time (<c>composeTime</c>, <c>createTime</c>, …) in round-trip form.</summary>
    public static string FormatEventTime(DateTimeOffset time) => time.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture);

    /// <summary>Parses an ISO 8601 date-time; false when it is not one.</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
