using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;

namespace Collab.Functions.Communication;

/// <summary>
/// One delivered ACS event, whichever schema it came in: its identity (source and id, which a redelivery repeats), its
/// time, and the chat message it is about, when it is a thread-level message event (shared/protocols/acs-chat-rooms.md §10).
/// </summary>
/// <param name="Source">The topic (Event Grid schema) or source (CloudEvents): the ACS resource.</param>
/// <param name="Id">The event id.</param>
/// <param name="Time">The event's own time, equal on every redelivery.</param>
/// <param name="Message">The message, or null for events that are not chat message events.</param>
public sealed record ChatEvent(string Source, string Id, DateTimeOffset? Time, ChatMessageEvent? Message)
{
    /// <summary>Reads an Event Grid schema event.</summary>
    public static ChatEvent From(EventGridEvent gridEvent)
    {
        ArgumentNullException.ThrowIfNull(gridEvent);
        return new ChatEvent(gridEvent.Topic ?? "", gridEvent.Id, gridEvent.EventTime, gridEvent.TryGetSystemEventData(out var data) ? ChatMessageEvent.From(data) : null);
    }

    /// <summary>Reads a CloudEvents 1.0 event.</summary>
    public static ChatEvent From(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        return new ChatEvent(cloudEvent.Source, cloudEvent.Id, cloudEvent.Time, cloudEvent.TryGetSystemEventData(out var data) ? ChatMessageEvent.From(data) : null);
    }
}

/// <summary>A chat message event of a thread: received, edited or deleted.</summary>
/// <param name="ThreadId">The thread.</param>
/// <param name="MessageId">The message.</param>
/// <param name="SenderAcsId">The sender's raw id.</param>
/// <param name="SenderName">The sender's name: as the event carries it (client-chosen) until the relay replaces it with the
/// name the controller gave the sender.</param>
/// <param name="Text">The body (empty for a deletion).</param>
/// <param name="Type"><c>text</c> or <c>html</c>.</param>
/// <param name="CreatedOn">When it was composed.</param>
/// <param name="EditedOn">When it was edited, for an edit.</param>
/// <param name="Deleted">True for a deletion, else null (left out of the relayed message).</param>
public sealed record ChatMessageEvent(string ThreadId, string MessageId, string SenderAcsId, string SenderName, string Text, string Type, DateTimeOffset? CreatedOn, DateTimeOffset? EditedOn, bool? Deleted)
{
    /// <summary>The message event in <paramref name="data"/>, or null when it is another kind of event.</summary>
    public static ChatMessageEvent? From(object? data) => data switch
    {
        AcsChatMessageReceivedInThreadEventData received => Of(received, received.MessageBody, null, false),
        AcsChatMessageEditedInThreadEventData edited => Of(edited, edited.MessageBody, edited.EditTime, false),
        AcsChatMessageDeletedInThreadEventData deleted => Of(deleted, "", null, true),
        _ => null,
    };

    private static ChatMessageEvent? Of(AcsChatMessageEventInThreadBaseProperties data, string? body, DateTimeOffset? editedOn, bool deleted) =>
        data.ThreadId is { Length: > 0 } threadId && data.MessageId is { Length: > 0 } messageId
            ? new ChatMessageEvent(
                threadId,
                messageId,
                data.SenderCommunicationIdentifier?.RawId ?? "",
                data.SenderDisplayName ?? "",
                body ?? "",
                string.Equals(data.Type, "html", StringComparison.OrdinalIgnoreCase) || (data.Type ?? "").EndsWith("/html", StringComparison.OrdinalIgnoreCase) ? "html" : "text",
                data.ComposeTime,
                editedOn,
                deleted ? true : null)
            : null;
}
