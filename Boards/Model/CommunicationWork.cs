namespace Collab.Boards.Model;

/// <summary>
/// What a board's ACS state still has to be brought to, recorded before it is done (<c>communication/pending/{boardId}.json</c>)
/// so that a failure is retried rather than forgotten. Two kinds of work, never merged into each other:
/// <list type="bullet">
/// <item><b>Settling</b> the live board: users to take out of its chat thread and room, room roles to change, and with
/// <see cref="Reconcile"/> everyone the controller recorded compared against the board (the marker written before a
/// board's metadata is written, so a failure right after the write is still visited). The thread and the room are
/// independent: each keeps its own progress (<see cref="OutOfThread"/>, <see cref="OutOfRoom"/>), so a failing thread
/// never holds up the room.</item>
/// <item><b>Deletions</b> of a deleted board's thread and room, each naming the board's <see cref="CommunicationDeletion.BoardCreatedOn"/>,
/// so a deletion is not run against a board that still exists (a delete that failed half-way) and never reaches the
/// thread or room of a board created again under the same id.</item>
/// </list>
/// </summary>
/// <param name="BoardId">The board.</param>
/// <param name="ThreadId">The board's chat thread when the work was recorded, used when the board's metadata no longer names one.</param>
/// <param name="RoomId">The board's room when the work was recorded, used when the board's metadata no longer names one.</param>
/// <param name="Remove">App user ids to remove from the thread and the room.</param>
/// <param name="Roles">App user id → the room role it must have now (<c>Presenter</c>, <c>Attendee</c> or <c>Consumer</c>).</param>
public sealed record CommunicationWork(
    string BoardId,
    string? ThreadId,
    string? RoomId,
    IReadOnlyList<string> Remove,
    IReadOnlyDictionary<string, string> Roles)
{
    /// <summary>True when everyone the controller recorded must be compared against the board (who it admits, with which role).</summary>
    public bool Reconcile { get; init; }

    /// <summary>Users of <see cref="Remove"/> (or found by <see cref="Reconcile"/>) already taken out of the thread.</summary>
    public IReadOnlyList<string> OutOfThread { get; init; } = [];

    /// <summary>Users of <see cref="Remove"/> (or found by <see cref="Reconcile"/>) already taken out of the room.</summary>
    public IReadOnlyList<string> OutOfRoom { get; init; } = [];

    /// <summary>The threads and rooms of deleted boards still to delete.</summary>
    public IReadOnlyList<CommunicationDeletion> Deletions { get; init; } = [];

    /// <summary>How many runs in a row failed; past a bound, a failure is logged as an error for an operator.</summary>
    public int FailedRuns { get; init; }

    /// <summary>The marker that makes the next run compare everyone recorded against the board.</summary>
    public static CommunicationWork ReconcileBoard(string boardId) =>
        new(boardId, null, null, [], new Dictionary<string, string>()) { Reconcile = true };

    /// <summary>The deletion of a deleted board's thread and room.</summary>
    public static CommunicationWork Delete(string boardId, CommunicationDeletion deletion) =>
        new(boardId, null, null, [], new Dictionary<string, string>()) { Deletions = [deletion] };

    /// <summary>True when settling has nothing to do (deletions aside).</summary>
    public bool SettlesNothing => !Reconcile && Remove.Count == 0 && Roles.Count == 0;

    /// <summary>
    /// This work followed by <paramref name="later"/>: removals accumulate, a later role wins, a user removed later is
    /// no longer given a role (nor one given a role later removed), a user removed again (or any, after a later reconcile) starts its removal over, and
    /// deletions are kept side by side (one per thread and room), never folded into the settling.
    /// </summary>
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
        var again = new HashSet<string>(later.Remove.Concat(later.Roles.Keys), StringComparer.Ordinal);
        var deletions = Deletions.Concat(later.Deletions).Distinct().ToList();
        return new CommunicationWork(BoardId, later.ThreadId ?? ThreadId, later.RoomId ?? RoomId, remove, roles)
        {
            Reconcile = Reconcile || later.Reconcile,
            OutOfThread = later.Reconcile ? [] : OutOfThread.Where(u => !again.Contains(u)).ToList(),
            OutOfRoom = later.Reconcile ? [] : OutOfRoom.Where(u => !again.Contains(u)).ToList(),
            Deletions = deletions,
            FailedRuns = FailedRuns,
        };
    }
}

/// <summary>The thread and room of a deleted board, to delete once the board's metadata is gone.</summary>
/// <param name="BoardCreatedOn">When the deleted board was created: a board with this id and creation time still existing means the delete did not finish, and this deletion must not run.</param>
/// <param name="ThreadId">The thread to delete, if any (null once deleted).</param>
/// <param name="RoomId">The room to delete, if any (null once deleted).</param>
public sealed record CommunicationDeletion(DateTimeOffset BoardCreatedOn, string? ThreadId, string? RoomId);

/// <summary>A user the communication controller added to a board's chat thread or room.</summary>
/// <param name="AcsUserId">The user's ACS identity.</param>
/// <param name="RoomRole">Its role in the board's room, or null when it never joined the call.</param>
/// <param name="DisplayName">The name the controller gave it in the thread (its signed-in name): what the chat shows as
/// the sender of its messages, never the client-chosen <c>senderDisplayName</c>; null when recorded before names were.</param>
public sealed record CommunicationParticipant(string AcsUserId, string? RoomRole, string? DisplayName = null);
