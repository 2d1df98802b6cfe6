using System.Text.Json;
using System.Text.Json.Serialization;
using Collab.Boards.Storage;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Communication;

/// <summary>
/// Relays the chat messages of boards' threads to the boards' server groups, so web clients see chat live without
/// ACS's realtime signaling (shared/protocols/acs-chat-rooms.md §7): <c>{"name":"chat","data":{threadId, messageId,
/// senderAcsId, senderName, text, type, createdOn, editedOn?, deleted?}}</c> (<c>senderName</c> is the name the
/// controller gave the sender in the thread, from the board's participant record), over the same transport and group
/// as the <c>ops</c> messages. Event Grid delivers at least once (§11), and so does this relay: an event is claimed (a
/// create-if-absent blob named by its source, id and day, <see cref="BoardStore.TryClaimEventAsync"/>) only after it
/// was sent, so a crash between the two sends it again on the redelivery rather than never; a redelivery that finds
/// the claim, on any instance, is not sent again. Two deliveries racing may both send: clients keep a message by its
/// <c>messageId</c>, so the second replaces the first. The claim's day is the event's own time, or else the message's
/// (both equal on every redelivery); an event with neither is sent without a claim. Claims are pruned by
/// <see cref="CommunicationSyncTimerFunction"/> after two days.
/// </summary>
public sealed class ChatEventRelay(BoardStore store, ChatThreadBoards threads, WebPubSubRestClient webPubSub, ILogger<ChatEventRelay> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Relays the chat message events among <paramref name="events"/> that belong to a board's thread.</summary>
    /// <returns>How many were relayed now (redeliveries and other events are not counted).</returns>
    public async Task<int> RelayAsync(IEnumerable<ChatEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var relayed = 0;
        foreach (var chatEvent in events.ToList())
        {
            if (chatEvent.Message is not { } delivered || await threads.FindAsync(delivered.ThreadId, cancellationToken) is not { } boardId)
            {
                continue;
            }

            // The sender is named as the controller named it when it joined, never by the client-chosen
            // senderDisplayName; a sender the controller never added (an outsider) is not relayed.
            var names = BoardCommunication.NamesByAcsId(await store.GetCommunicationParticipantsAsync(boardId, cancellationToken));
            if (!names.TryGetValue(delivered.SenderAcsId, out var senderName))
            {
                logger.LogWarning("ACS event {EventId} for board {BoardId} is from a sender the controller did not add; not relayed", chatEvent.Id, boardId);
                continue;
            }

            var message = delivered with { SenderName = senderName };
            var key = chatEvent.Source + "\n" + chatEvent.Id;
            var day = chatEvent.Time ?? message.EditedOn ?? message.CreatedOn;
            if (day is { } claimDay && await store.IsEventClaimedAsync(key, claimDay, cancellationToken))
            {
                logger.LogInformation("ACS event {EventId} for board {BoardId} was relayed before; not again", chatEvent.Id, boardId);
                continue;
            }

            // A failure here fails the delivery, and Event Grid's retry finds the event unclaimed.
            var payload = JsonSerializer.SerializeToUtf8Bytes(new RelayedChat("chat", message), Json);
            await webPubSub.SendToGroupAsync(BoardChannels.ServerGroup(boardId), payload, cancellationToken);
            if (day is { } sentDay)
            {
                await store.TryClaimEventAsync(key, sentDay, cancellationToken);
            }

            relayed++;
        }

        return relayed;
    }

    private sealed record RelayedChat(string Name, ChatMessageEvent Data);
}
