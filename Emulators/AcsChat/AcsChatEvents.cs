using System.Text.Json.Nodes;
using Collab.Emulators.AcsEvents;

namespace Collab.Emulators.AcsChat;

/// <summary>
/// The thread-level ACS chat events, with subjects and <c>data</c> as shared/protocols/acs-chat-rooms.md §10 gives them
/// (identifiers as §4 models, <c>version</c> a JSON number: rule 7). Built under the thread's lock, published after.
/// </summary>
internal static class AcsChatEvents
{
    private const string Prefix = "Microsoft.Communication.";

    /// <summary><c>ChatMessageReceivedInThread</c>.</summary>
    public static AcsEvent MessageReceived(ChatThread thread, ChatMessage message) =>
        new(Prefix + "ChatMessageReceivedInThread", $"thread/{thread.Id}/sender/{message.SenderRawId}", MessageData(thread, message, withBody: true));

    /// <summary><c>ChatMessageEditedInThread</c>.</summary>
    public static AcsEvent MessageEdited(ChatThread thread, ChatMessage message)
    {
        var data = MessageData(thread, message, withBody: true);
        data["editTime"] = ChatIdentifiers.FormatEventTime(message.EditedOn!.Value);
        return new(Prefix + "ChatMessageEditedInThread", $"thread/{thread.Id}/sender/{message.SenderRawId}", data);
    }

    /// <summary><c>ChatMessageDeletedInThread</c>.</summary>
    public static AcsEvent MessageDeleted(ChatThread thread, ChatMessage message)
    {
        var data = MessageData(thread, message, withBody: false);
        data["deleteTime"] = ChatIdentifiers.FormatEventTime(message.DeletedOn!.Value);
        return new(Prefix + "ChatMessageDeletedInThread", $"thread/{thread.Id}/sender/{message.SenderRawId}", data);
    }

    /// <summary><c>ChatThreadCreated</c>, listing the initial participants.</summary>
    public static AcsEvent ThreadCreated(ChatThread thread)
    {
        var data = new JsonObject
        {
            ["createdByCommunicationIdentifier"] = ChatIdentifiers.Model(thread.CreatorRawId),
            ["properties"] = new JsonObject { ["topic"] = thread.Topic },
            ["participants"] = new JsonArray([.. thread.Participants.Select(p => (JsonNode)EventParticipant(p))]),
        };
        if (thread.Metadata is not null)
        {
            data["metadata"] = thread.Metadata.DeepClone();
        }

        AddThreadFields(data, thread);
        return new(Prefix + "ChatThreadCreated", $"thread/{thread.Id}/createdBy/{thread.CreatorRawId}", data);
    }

    /// <summary><c>ChatThreadDeleted</c>.</summary>
    public static AcsEvent ThreadDeleted(ChatThread thread, string deletedBy, DateTimeOffset deleteTime)
    {
        var data = new JsonObject
        {
            ["deletedByCommunicationIdentifier"] = ChatIdentifiers.Model(deletedBy),
            ["deleteTime"] = ChatIdentifiers.FormatEventTime(deleteTime),
        };
        AddThreadFields(data, thread);
        return new(Prefix + "ChatThreadDeleted", $"thread/{thread.Id}/deletedBy/{deletedBy}", data);
    }

    /// <summary><c>ChatThreadPropertiesUpdated</c>.</summary>
    public static AcsEvent ThreadPropertiesUpdated(ChatThread thread, string editedBy, DateTimeOffset editTime)
    {
        var data = new JsonObject
        {
            ["editedByCommunicationIdentifier"] = ChatIdentifiers.Model(editedBy),
            ["editTime"] = ChatIdentifiers.FormatEventTime(editTime),
            ["properties"] = new JsonObject { ["topic"] = thread.Topic },
            ["metadata"] = thread.Metadata?.DeepClone() ?? new JsonObject(),
        };
        AddThreadFields(data, thread);
        return new(Prefix + "ChatThreadPropertiesUpdated", $"thread/{thread.Id}/editedBy/{editedBy}", data);
    }

    /// <summary><c>ChatThreadParticipantAdded</c>, one per added participant.</summary>
    public static AcsEvent ParticipantAdded(ChatThread thread, string addedBy, ChatParticipant participant, DateTimeOffset time) =>
        new(Prefix + "ChatThreadParticipantAdded", $"thread/{thread.Id}/participantadded/{participant.RawId}",
            ParticipantData(thread, time, "addedByCommunicationIdentifier", addedBy, "participantAdded", participant));

    /// <summary><c>ChatThreadParticipantRemoved</c>.</summary>
    public static AcsEvent ParticipantRemoved(ChatThread thread, string removedBy, ChatParticipant participant, DateTimeOffset time) =>
        new(Prefix + "ChatThreadParticipantRemoved", $"thread/{thread.Id}/participantremoved/{participant.RawId}",
            ParticipantData(thread, time, "removedByCommunicationIdentifier", removedBy, "participantRemoved", participant));

    private static JsonObject MessageData(ChatThread thread, ChatMessage message, bool withBody)
    {
        var data = new JsonObject();
        if (withBody)
        {
            data["messageBody"] = message.Text;
            data["metadata"] = message.Metadata?.DeepClone() ?? new JsonObject();
        }

        data["messageId"] = message.Id;
        // Event samples spell the type capitalised ("Text"), unlike REST's "text" (§10).
        data["type"] = message.Type == "html" ? "Html" : "Text";
        data["version"] = long.Parse(message.Version, System.Globalization.CultureInfo.InvariantCulture);
        data["senderDisplayName"] = message.SenderDisplayName;
        data["senderCommunicationIdentifier"] = ChatIdentifiers.Model(message.SenderRawId!);
        data["composeTime"] = ChatIdentifiers.FormatEventTime(message.CreatedOn);
        data["threadId"] = thread.Id;
        data["transactionId"] = NewTransactionId();
        return data;
    }

    private static JsonObject ParticipantData(ChatThread thread, DateTimeOffset time, string byName, string by, string participantName, ChatParticipant participant) =>
        new()
        {
            ["time"] = ChatIdentifiers.FormatEventTime(time),
            [byName] = ChatIdentifiers.Model(by),
            [participantName] = EventParticipant(participant),
            ["version"] = thread.Version,
            ["threadId"] = thread.Id,
            ["transactionId"] = NewTransactionId(),
        };

    private static JsonObject EventParticipant(ChatParticipant participant)
    {
        var json = new JsonObject
        {
            ["displayName"] = participant.DisplayName ?? "",
            ["participantCommunicationIdentifier"] = ChatIdentifiers.Model(participant.RawId),
        };
        if (participant.Metadata is not null)
        {
            json["metadata"] = participant.Metadata.DeepClone();
        }

        return json;
    }

    private static void AddThreadFields(JsonObject data, ChatThread thread)
    {
        data["createTime"] = ChatIdentifiers.FormatEventTime(thread.CreatedOn);
        data["version"] = thread.Version;
        data["threadId"] = thread.Id;
        data["transactionId"] = NewTransactionId();
    }

    private static string NewTransactionId() => Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=');
}
