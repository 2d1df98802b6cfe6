using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Hub;

/// <summary>The <c>ce-*</c> headers of a Web PubSub upstream event (shared/protocols/web-pubsub.md §4.2).</summary>
/// <param name="Type"><c>ce-type</c>, e.g. <c>azure.webpubsub.sys.connect</c> or <c>azure.webpubsub.user.addShape</c>.</param>
/// <param name="EventName"><c>ce-eventName</c>, or the last part of the type.</param>
/// <param name="Hub"><c>ce-hub</c>.</param>
/// <param name="ConnectionId"><c>ce-connectionId</c>.</param>
/// <param name="UserId"><c>ce-userId</c>, when the connection has a user.</param>
/// <param name="EventId"><c>ce-id</c>.</param>
/// <param name="Time"><c>ce-time</c>: when the service sent the event (RFC 3339).</param>
/// <param name="Signature"><c>ce-signature</c>.</param>
/// <param name="StateHeader"><c>ce-connectionState</c> as sent, sealed by <see cref="ConnectionStateSealer"/> when it is ours.</param>
public sealed record CloudEventRequest(string Type, string EventName, string Hub, string ConnectionId, string? UserId, string EventId, DateTimeOffset Time, string Signature, string? StateHeader)
{
    /// <summary>The prefix of system event types.</summary>
    public const string SystemPrefix = "azure.webpubsub.sys.";

    /// <summary>The prefix of user event types.</summary>
    public const string UserPrefix = "azure.webpubsub.user.";

    // RFC 3339 date-times with a zone, with or without fractional seconds (the emulator sends whole seconds, §4.2).
    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz"];

    /// <summary>True for <c>connect</c>, <c>connected</c> and <c>disconnected</c>.</summary>
    public bool IsSystem => Type.StartsWith(SystemPrefix, StringComparison.Ordinal);

    /// <summary>Reads the headers.</summary>
    /// <returns>The request, or null with the name of the first missing or unreadable header in <paramref name="missing"/>.</returns>
    public static CloudEventRequest? Read(IHeaderDictionary headers, out string missing)
    {
        ArgumentNullException.ThrowIfNull(headers);
        missing = "";
        string? Header(string name) => headers.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 } text ? text : null;

        foreach (var name in new[] { "ce-specversion", "ce-type", "ce-hub", "ce-connectionId", "ce-id", "ce-signature", "ce-time" })
        {
            if (Header(name) is null)
            {
                missing = name;
                return null;
            }
        }

        var type = Header("ce-type")!;
        if (!type.StartsWith(SystemPrefix, StringComparison.Ordinal) && !type.StartsWith(UserPrefix, StringComparison.Ordinal))
        {
            missing = "ce-type (azure.webpubsub.sys.* or azure.webpubsub.user.*)";
            return null;
        }

        if (!DateTimeOffset.TryParseExact(Header("ce-time"), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            missing = "ce-time (an RFC 3339 date-time)";
            return null;
        }

        var eventName = Header("ce-eventName") ?? type[(type.LastIndexOf('.') + 1)..];
        return new CloudEventRequest(
            type,
            eventName,
            Header("ce-hub")!,
            Header("ce-connectionId")!,
            Header("ce-userId"),
            Header("ce-id")!,
            time,
            Header("ce-signature")!,
            Header("ce-connectionState"));
    }
}
