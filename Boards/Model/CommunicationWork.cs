namespace Collab.Boards.Model;

/// <summary>
/// What a board's ACS state still has to be brought to, recorded before it is done (<c>communication/pending/{boardId}.json</c>)
/// so that a failure is retried rather than forgotten: users to take out of the board's chat thread and room, room roles
/// to change, and, for a deleted board, the thread and room to delete. The ids are in the record itself, so the work
/// can proceed after the board's metadata is gone.
/// </summary>
/// <param name="BoardId">The board.</param>
/// <param name="ThreadId">The board's chat thread, if it has one.</param>
/// <param name="RoomId">The board's room, if it has one.</param>
/// <param name="Delete">True when the board was deleted: the thread and the room go.</param>
/// <param name="Remove">App user ids to remove from the thread and the room.</param>
/// <param name="Roles">App user id → the room role it must have now (<c>Presenter</c>, <c>Attendee</c> or <c>Consumer</c>).</param>
public sealed record CommunicationWork(
    string BoardId,
    string? ThreadId,
    string? RoomId,
    bool Delete,
    IReadOnlyList<string> Remove,
    IReadOnlyDictionary<string, string> Roles)
{
    /// <summary>This work followed by <paramref name="later"/>: removals and deletion accumulate, a later role wins, and a user removed later is no longer given a role (nor one given a role later removed).</summary>
    public CommunicationWork Then(CommunicationWork later)
    {
        ArgumentNullException.ThrowIfNull(later);
        var roles = new Dictionary<string, string>(Roles, StringComparer.Ordinal);
        foreach (var removed in later.Remove)
        {
            roles.Remove(removed);
        }

        foreach (var (user, role) in later.Roles)
        {
            roles[user] = role;
        }

        var remove = Remove.Concat(later.Remove).Where(u => !later.Roles.ContainsKey(u)).Distinct(StringComparer.Ordinal).ToList();
        return new CommunicationWork(BoardId, later.ThreadId ?? ThreadId, later.RoomId ?? RoomId, Delete || later.Delete, remove, roles);
    }
}

/// <summary>A user the communication controller added to a board's chat thread or room.</summary>
/// <param name="AcsUserId">The user's ACS identity.</param>
/// <param name="RoomRole">Its role in the board's room, or null when it never joined the call.</param>
/// <param name="DisplayName">The name the controller gave it in the thread (its signed-in name): what the chat shows as
/// the sender of its messages, never the client-chosen <c>senderDisplayName</c>; null when recorded before names were.</param>
public sealed record CommunicationParticipant(string AcsUserId, string? RoomRole, string? DisplayName = null);
