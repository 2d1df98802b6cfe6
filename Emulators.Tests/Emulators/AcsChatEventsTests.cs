using System.Text.Json.Nodes;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Collab.Emulators.AcsChat;
using Collab.Emulators.AcsEvents;

namespace Collab.Emulators.Tests;

/// <summary>
/// The chat endpoint's thread-level events, wrapped in the Event Grid schema as §13.2 shows, parse into the
/// Azure.Messaging.EventGrid 4.17.0 <c>SystemEvents</c> types with every field (shared/protocols/acs-chat-rooms.md §10,
/// rule 7: <c>version</c> is a JSON number).
/// </summary>
public sealed class AcsChatEventsTests
{
    private const string Alice = "8:acs:res1_alice";
    private const string Bob = "8:acs:res1_bob";
    private static readonly DateTimeOffset Created = new(2027, 1, 15, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void MessageEvents_ParseAsTheirSystemEventData()
    {
        var (thread, _) = Thread();
        var message = new ChatMessage("1768471500000", "text", 3, Created.AddMinutes(5))
        {
            SenderRawId = Alice,
            SenderDisplayName = "Alice",
            Text = "hello",
            Metadata = new JsonObject { ["tag"] = "x" },
        };

        var received = Parse<AcsChatMessageReceivedInThreadEventData>(AcsChatEvents.MessageReceived(thread, message), out var envelope);
        Assert.Equal("Microsoft.Communication.ChatMessageReceivedInThread", envelope.EventType);
        Assert.Equal($"thread/{thread.Id}/sender/{Alice}", envelope.Subject);
        Assert.Equal("hello", received.MessageBody);
        Assert.Equal("1768471500000", received.MessageId);
        Assert.Equal(1768471500000, received.Version);
        Assert.Equal("Text", received.Type);
        Assert.Equal("Alice", received.SenderDisplayName);
        Assert.Equal(Alice, received.SenderCommunicationIdentifier.RawId);
        Assert.Equal(Alice, received.SenderCommunicationIdentifier.CommunicationUser.Id);
        Assert.Equal(message.CreatedOn, received.ComposeTime);
        Assert.Equal(thread.Id, received.ThreadId);
        Assert.Equal("x", received.Metadata["tag"]);
        Assert.False(string.IsNullOrEmpty(received.TransactionId));

        message.Text = "edited";
        message.EditedOn = Created.AddMinutes(6);
        message.Version = "1768471560000";
        var edited = Parse<AcsChatMessageEditedInThreadEventData>(AcsChatEvents.MessageEdited(thread, message), out _);
        Assert.Equal("edited", edited.MessageBody);
        Assert.Equal(message.EditedOn, edited.EditTime);
        Assert.Equal(1768471560000, edited.Version);

        message.DeletedOn = Created.AddMinutes(7);
        var deleted = Parse<AcsChatMessageDeletedInThreadEventData>(AcsChatEvents.MessageDeleted(thread, message), out _);
        Assert.Equal(message.DeletedOn, deleted.DeleteTime);
        Assert.Equal("1768471500000", deleted.MessageId);
    }

    [Fact]
    public void ThreadEvents_ParseAsTheirSystemEventData()
    {
        var (thread, bob) = Thread();

        var created = Parse<AcsChatThreadCreatedEventData>(AcsChatEvents.ThreadCreated(thread), out var envelope);
        Assert.Equal($"thread/{thread.Id}/createdBy/{Alice}", envelope.Subject);
        Assert.Equal(Alice, created.CreatedByCommunicationIdentifier.RawId);
        Assert.Equal("Lunch", created.Properties["topic"]);
        Assert.Equal(["Alice", "Bob"], created.Participants.Select(p => p.DisplayName));
        Assert.Equal(Bob, created.Participants[1].ParticipantCommunicationIdentifier.CommunicationUser.Id);
        Assert.Equal(Created, created.CreateTime);
        Assert.Equal(Created.ToUnixTimeMilliseconds(), created.Version);
        Assert.Equal(thread.Id, created.ThreadId);

        var updated = Parse<AcsChatThreadPropertiesUpdatedEventData>(AcsChatEvents.ThreadPropertiesUpdated(thread, Bob, Created.AddHours(1)), out envelope);
        Assert.Equal($"thread/{thread.Id}/editedBy/{Bob}", envelope.Subject);
        Assert.Equal(Bob, updated.EditedByCommunicationIdentifier.RawId);
        Assert.Equal(Created.AddHours(1), updated.EditTime);
        Assert.Equal("Lunch", updated.Properties["topic"]);

        var added = Parse<AcsChatParticipantAddedToThreadEventData>(AcsChatEvents.ParticipantAdded(thread, Alice, bob, Created.AddHours(2)), out envelope);
        Assert.Equal("Microsoft.Communication.ChatThreadParticipantAdded", envelope.EventType);
        Assert.Equal($"thread/{thread.Id}/participantadded/{Bob}", envelope.Subject);
        Assert.Equal(Alice, added.AddedByCommunicationIdentifier.RawId);
        Assert.Equal("Bob", added.ParticipantAdded.DisplayName);
        Assert.Equal(Bob, added.ParticipantAdded.ParticipantCommunicationIdentifier.RawId);
        Assert.Equal(Created.AddHours(2), added.Time);

        var removed = Parse<AcsChatParticipantRemovedFromThreadEventData>(AcsChatEvents.ParticipantRemoved(thread, Alice, bob, Created.AddHours(3)), out envelope);
        Assert.Equal($"thread/{thread.Id}/participantremoved/{Bob}", envelope.Subject);
        Assert.Equal(Alice, removed.RemovedByCommunicationIdentifier.RawId);
        Assert.Equal(Bob, removed.ParticipantRemoved.ParticipantCommunicationIdentifier.RawId);

        var deleted = Parse<AcsChatThreadDeletedEventData>(AcsChatEvents.ThreadDeleted(thread, Alice, Created.AddHours(4)), out envelope);
        Assert.Equal($"thread/{thread.Id}/deletedBy/{Alice}", envelope.Subject);
        Assert.Equal(Alice, deleted.DeletedByCommunicationIdentifier.RawId);
        Assert.Equal(Created.AddHours(4), deleted.DeleteTime);
    }

    private static (ChatThread Thread, ChatParticipant Bob) Thread()
    {
        var thread = new ChatThread("19:t1@thread.v2", Alice, Created) { Topic = "Lunch" };
        var bob = new ChatParticipant(Bob) { DisplayName = "Bob" };
        thread.Participants.Add(new ChatParticipant(Alice) { DisplayName = "Alice" });
        thread.Participants.Add(bob);
        return (thread, bob);
    }

    /// <summary>Wraps the event as the Event Grid schema of §13.2 and parses it with the .NET SDK.</summary>
    private static T Parse<T>(AcsEvent acsEvent, out EventGridEvent envelope)
    {
        var json = new JsonArray(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = "/subscriptions/sub1/resourcegroups/rg1/providers/microsoft.communication/communicationservices/acs1",
            ["subject"] = acsEvent.Subject,
            ["data"] = acsEvent.Data.DeepClone(),
            ["eventType"] = acsEvent.EventType,
            ["dataVersion"] = "1.0",
            ["metadataVersion"] = "1",
            ["eventTime"] = "2027-01-15T10:05:00.5000000Z",
        });
        envelope = EventGridEvent.ParseMany(BinaryData.FromString(json.ToJsonString())).Single();
        Assert.True(envelope.TryGetSystemEventData(out var data), $"{acsEvent.EventType} did not parse: {acsEvent.Data.ToJsonString()}");
        return Assert.IsType<T>(data);
    }
}
