using System.Text.Json;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Functions.WebPubSub;

namespace Collab.Functions.Hub;

/// <summary>
/// Presence from the service's own view: the board group's connections as Web PubSub lists them (no counter of ours
/// to drift), named from the board's people, broadcast to the group as <c>{ name: "presence", data }</c>.
/// </summary>
public sealed class PresenceService(WebPubSubRestClient webPubSub, BoardStore boards)
{
    /// <summary>Reads who is on the board and tells the board.</summary>
    /// <param name="boardId">The board.</param>
    /// <param name="leavingConnectionId">A connection that is going away and must not count, even if still listed.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task<Presence> BroadcastAsync(string boardId, string? leavingConnectionId, CancellationToken cancellationToken)
    {
        var group = BoardChannels.ServerGroup(boardId);
        var connections = await webPubSub.ListGroupConnectionsAsync(group, cancellationToken);
        var people = await boards.GetPeopleAsync(boardId, cancellationToken);
        var users = connections
            .Where(c => c.ConnectionId != leavingConnectionId && !string.IsNullOrEmpty(c.UserId))
            .GroupBy(c => c.UserId!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new PresenceUser(g.Key, people.TryGetValue(g.Key, out var name) ? name : g.Key, g.Count()))
            .ToList();
        var presence = new Presence(boardId, users, users.Count);
        await webPubSub.SendToGroupAsync(group, JsonSerializer.SerializeToUtf8Bytes(new { name = "presence", data = presence }, BoardJson.Options), cancellationToken);
        return presence;
    }
}
