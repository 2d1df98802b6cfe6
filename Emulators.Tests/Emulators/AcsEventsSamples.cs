using System.Text.Json.Nodes;
using Collab.Emulators.AcsEvents;

namespace Collab.Emulators.Tests;

/// <summary>One of each thread-level ACS chat event, shaped as shared/protocols/acs-chat-rooms.md §10 lists them.</summary>
internal static class AcsEventsSamples
{
    public const string Thread = "19:t1@thread.v2";
    public const string Alice = "8:acs:res1_alice";
    public const string Bob = "8:acs:res1_bob";
    private const string Time = "2027-01-15T10:05:00.000+00:00";

    /// <summary>The full event type names, in <see cref="All"/>'s order.</summary>
    public static IReadOnlyList<string> Types => All().Select(e => e.EventType).ToList();

    public static IReadOnlyList<AcsEvent> All() =>
    [
        Message("ChatMessageReceivedInThread", m => m["messageBody"] = "hello"),
        Message("ChatMessageEditedInThread", m =>
        {
            m["messageBody"] = "hello, edited";
            m["editTime"] = Time;
        }),
        Message("ChatMessageDeletedInThread", m => m["deleteTime"] = Time, withBody: false),
        Event("ChatThreadCreated", $"createdBy/{Alice}", new JsonObject
        {
            ["createdByCommunicationIdentifier"] = Identifier(Alice),
            ["properties"] = new JsonObject { ["topic"] = "Board 1" },
            ["participants"] = new JsonArray(Participant(Alice, "Alice")),
            ["metadata"] = new JsonObject(),
            ["createTime"] = Time,
        }),
        Event("ChatThreadDeleted", $"deletedBy/{Alice}", new JsonObject
        {
            ["deletedByCommunicationIdentifier"] = Identifier(Alice),
            ["deleteTime"] = Time,
            ["createTime"] = Time,
        }),
        Event("ChatThreadPropertiesUpdated", $"editedBy/{Alice}", new JsonObject
        {
            ["editedByCommunicationIdentifier"] = Identifier(Alice),
            ["editTime"] = Time,
            ["properties"] = new JsonObject { ["topic"] = "Board 1, renamed" },
            ["createTime"] = Time,
        }),
        Event("ChatThreadParticipantAdded", $"participantadded/{Bob}", new JsonObject
        {
            ["time"] = Time,
            ["addedByCommunicationIdentifier"] = Identifier(Alice),
            ["participantAdded"] = Participant(Bob, "Bob"),
        }),
        Event("ChatThreadParticipantRemoved", $"participantremoved/{Bob}", new JsonObject
        {
            ["time"] = Time,
            ["removedByCommunicationIdentifier"] = Identifier(Alice),
            ["participantRemoved"] = Participant(Bob, "Bob"),
        }),
    ];

    public static JsonObject Identifier(string rawId) => new() { ["rawId"] = rawId, ["communicationUser"] = new JsonObject { ["id"] = rawId } };

    private static JsonObject Participant(string rawId, string name) => new() { ["displayName"] = name, ["participantCommunicationIdentifier"] = Identifier(rawId) };

    private static AcsEvent Message(string type, Action<JsonObject> complete, bool withBody = true)
    {
        var data = new JsonObject
        {
            ["messageId"] = "1768471500000",
            ["senderCommunicationIdentifier"] = Identifier(Alice),
            ["senderDisplayName"] = "Alice",
            ["composeTime"] = Time,
            ["type"] = "Text",
        };
        if (withBody)
        {
            data["metadata"] = new JsonObject();
        }

        complete(data);
        return Event(type, $"sender/{Alice}", data);
    }

    private static AcsEvent Event(string type, string subjectTail, JsonObject data)
    {
        // version is a JSON number: Azure.Messaging.EventGrid reads GetInt64() (§10, rule 7).
        data["version"] = 1768471500000;
        data["threadId"] = Thread;
        data["transactionId"] = "tx-" + type;
        return new AcsEvent("Microsoft.Communication." + type, $"thread/{Thread}/{subjectTail}", data);
    }
}
