using System.Text.Json.Nodes;

namespace Collab.Emulators.AcsChat;

/// <summary>One thread's state; every member is read and written under <see cref="Gate"/>.</summary>
internal sealed class ChatThread(string id, string creatorRawId, DateTimeOffset createdOn)
{
    public Lock Gate { get; } = new();

    public string Id { get; } = id;

    public string CreatorRawId { get; } = creatorRawId;

    public DateTimeOffset CreatedOn { get; } = createdOn;

    public string Topic { get; set; } = "";

    public JsonObject? Metadata { get; set; }

    public JsonObject? RetentionPolicy { get; set; }

    /// <summary>Epoch milliseconds of the last change to the thread's properties (events' <c>version</c>).</summary>
    public long Version { get; set; } = createdOn.ToUnixTimeMilliseconds();

    public DateTimeOffset? LastMessageReceivedOn { get; set; }

    public bool Deleted { get; set; }

    /// <summary>Current participants in the order they joined.</summary>
    public List<ChatParticipant> Participants { get; } = [];

    /// <summary>Raw ids of removed participants, oldest first (bounded by the options).</summary>
    public List<string> FormerParticipants { get; } = [];

    /// <summary>Messages in sequence order, oldest first (bounded by the options).</summary>
    public List<ChatMessage> Messages { get; } = [];

    public Dictionary<string, ChatMessage> MessagesById { get; } = new(StringComparer.Ordinal);

    /// <summary>The latest read receipt of each participant, by raw id.</summary>
    public Dictionary<string, (string MessageId, DateTimeOffset ReadOn)> ReadReceipts { get; } = new(StringComparer.Ordinal);

    public long NextSequenceId { get; set; } = 1;

    public ChatParticipant? Participant(string rawId) => Participants.Find(p => p.RawId == rawId);
}

/// <summary>A participant of a thread.</summary>
internal sealed class ChatParticipant(string rawId)
{
    public string RawId { get; } = rawId;

    public string? DisplayName { get; set; }

    /// <summary>The participant sees messages created from this time on (§4 <c>shareHistoryTime</c>).</summary>
    public DateTimeOffset ShareHistoryTime { get; set; } = DateTimeOffset.UnixEpoch;

    public JsonObject? Metadata { get; set; }

    /// <summary>The REST <c>ChatParticipant</c>.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["communicationIdentifier"] = ChatIdentifiers.Model(RawId) };
        if (DisplayName is not null)
        {
            json["displayName"] = DisplayName;
        }

        json["shareHistoryTime"] = ChatIdentifiers.Format(ShareHistoryTime);
        if (Metadata is not null)
        {
            json["metadata"] = Metadata.DeepClone();
        }

        return json;
    }
}

/// <summary>A message of a thread: a user's text/html or a system message.</summary>
internal sealed class ChatMessage(string id, string type, long sequenceId, DateTimeOffset createdOn)
{
    public string Id { get; } = id;

    /// <summary><c>text</c>, <c>html</c>, <c>topicUpdated</c>, <c>participantAdded</c> or <c>participantRemoved</c>.</summary>
    public string Type { get; } = type;

    public long SequenceId { get; } = sequenceId;

    public DateTimeOffset CreatedOn { get; } = createdOn;

    /// <summary>Epoch milliseconds: the id until edited, then the edit or delete time.</summary>
    public string Version { get; set; } = id;

    public string? SenderRawId { get; init; }

    public string SenderDisplayName { get; init; } = "";

    /// <summary>The text or html of a user message.</summary>
    public string? Text { get; set; }

    /// <summary>The content of a system message (topic, participants, initiator).</summary>
    public JsonObject? SystemContent { get; init; }

    public JsonObject? Metadata { get; set; }

    public DateTimeOffset? EditedOn { get; set; }

    public DateTimeOffset? DeletedOn { get; set; }

    public bool IsUserMessage => SenderRawId is not null;

    /// <summary>The REST <c>ChatMessage</c>; a deleted message keeps its place with <c>deletedOn</c> and no content.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["id"] = Id,
            ["type"] = Type,
            ["sequenceId"] = SequenceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["version"] = Version,
        };
        if (SystemContent is not null)
        {
            json["content"] = SystemContent.DeepClone();
        }
        else if (DeletedOn is null)
        {
            json["content"] = new JsonObject { ["message"] = Text };
        }

        if (SenderRawId is not null)
        {
            json["senderDisplayName"] = SenderDisplayName;
        }

        json["createdOn"] = ChatIdentifiers.Format(CreatedOn);
        if (SenderRawId is not null)
        {
            json["senderCommunicationIdentifier"] = ChatIdentifiers.Model(SenderRawId);
        }

        if (DeletedOn is { } deleted)
        {
            json["deletedOn"] = ChatIdentifiers.Format(deleted);
        }

        if (EditedOn is { } edited)
        {
            json["editedOn"] = ChatIdentifiers.Format(edited);
        }

        if (Metadata is not null && DeletedOn is null)
        {
            json["metadata"] = Metadata.DeepClone();
        }

        return json;
    }
}
