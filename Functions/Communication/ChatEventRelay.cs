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
/// controller gave the sender in the thread, from the board's participant record), over the same transport and group as the
/// <c>ops</c> messages. Event Grid delivers at least once (§11), so each event is first claimed with a
/// create-if-absent blob named by its source and id (<see cref="BoardStore.TryClaimEventAsync"/>): a redelivery, on any
/// instance, finds the claim and is not relayed again. A relay that fails gives its claim back and fails the delivery,
/// so Event Grid's retry relays it. Claims are pruned by <see cref="CommunicationSyncTimerFunction"/> after two days.
/// </summary>
public sealed class ChatEventRelay(BoardStore store, ChatThreadBoards threads, WebPubSubRestClient webPubSub, TimeProvider time, ILogger<ChatEventRelay> logger)
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
            var day = chatEvent.Time ?? time.GetUtcNow();
            if (!await store.TryClaimEventAsync(key, day, cancellationToken))
            {
                logger.LogInformation("ACS event {EventId} for board {BoardId} was relayed before; not again", chatEvent.Id, boardId);
                continue;
            }

            try
            {
                var payload = JsonSerializer.SerializeToUtf8Bytes(new RelayedChat("chat", message), Json);
                await webPubSub.SendToGroupAsync(BoardChannels.ServerGroup(boardId), payload, cancellationToken);
                relayed++;
            }
            catch
            {
                // Event Grid retries a failed delivery; the retry must find the event unclaimed.
                await store.ReleaseEventAsync(key, day, CancellationToken.None);
                throw;
            }
        }

        return relayed;
    }

    private sealed record RelayedChat(string Name, ChatMessageEvent Data);
}
