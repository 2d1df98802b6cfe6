using System.Text.Json;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Collab.Boards.Telemetry;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Hub;

/// <summary>
/// Presence from the service's own view: the board group's connections as Web PubSub lists them (no counter of ours
/// to drift), named from the board's people, broadcast to the group as <c>{ name: "presence", data }</c>.
/// </summary>
/// <remarks>
/// Broadcasts are coalesced per board, so that N connections coming or going cost O(N) delivered messages, not
/// O(N²): changes join a waiting broadcast, which tells the board about all of them; at most one broadcast per board
/// is in flight and one more waits. The waiting one goes out (checked every <see cref="EventHandlerOptions.PresenceDelay"/>)
/// as soon as either it carries twice as many changes as the board had connections at its last broadcast (a burst then
/// costs about 1.5 messages per change: the broadcasts' sizes triple), or the changes have stopped for a
/// <see cref="EventHandlerOptions.PresenceDelay"/> and it has waited one delay per <see cref="ConnectionsPerDelay"/>
/// connections (a steady stream of changes then costs a board at most <see cref="ConnectionsPerDelay"/> messages per
/// delay), or it has waited <see cref="EventHandlerOptions.PresenceMaxDelay"/>, the most presence is ever late.
/// Budget: one entry per board with a broadcast in flight or waiting, removed
/// as soon as neither is left; it remembers the connections reported gone that the service still lists (so they do not
/// count), at most the board group's size, and forgets those the service no longer lists.
/// </remarks>
public sealed class PresenceService(WebPubSubRestClient webPubSub, BoardStore boards, IOptions<EventHandlerOptions> options, TimeProvider time, CollabTelemetry telemetry, ILogger<PresenceService> logger)
{
    /// <summary>Connections one <see cref="EventHandlerOptions.PresenceDelay"/> of waiting is for.</summary>
    public const int ConnectionsPerDelay = 10;

    private readonly TimeSpan _delay = options.Value.PresenceDelay;
    private readonly TimeSpan _maxDelay = options.Value.PresenceMaxDelay;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BoardPresence> _boards = new(StringComparer.Ordinal);

    /// <summary>How many boards have a presence broadcast in flight or waiting.</summary>
    public int ActiveBoards
    {
        get
        {
            lock (_gate)
            {
                return _boards.Count;
            }
        }
    }

    /// <summary>
    /// Tells the board who is there, in the next coalesced broadcast, and answers with what that broadcast said.
    /// </summary>
    /// <param name="boardId">The board.</param>
    /// <param name="leavingConnectionId">A connection that is going away and must not count, even if still listed.</param>
    /// <param name="cancellationToken">Stops waiting; the broadcast still goes out for the others.</param>
    public Task<PresenceRound> UpdateAsync(string boardId, string? leavingConnectionId, CancellationToken cancellationToken)
    {
        BoardPresence board;
        PresenceRound round;
        var start = false;
        lock (_gate)
        {
            if (!_boards.TryGetValue(boardId, out board!))
            {
                _boards[boardId] = board = new BoardPresence();
                start = true;
            }

            var now = time.GetTimestamp();
            round = board.Waiting ??= new PresenceRound { Opened = now };
            round.Changes++;
            round.LastChange = now;
            if (leavingConnectionId is not null)
            {
                board.Gone.Add(leavingConnectionId);
            }
        }

        if (start)
        {
            _ = Task.Run(() => RunAsync(boardId, board), CancellationToken.None);
        }

        return round.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The connections <paramref name="userId"/> has in the board's group, as the service lists them.</summary>
    public async Task<IReadOnlyList<string>> ListConnectionsAsync(string boardId, string userId, CancellationToken cancellationToken) =>
        [.. (await webPubSub.ListGroupConnectionsAsync(BoardChannels.ServerGroup(boardId), cancellationToken))
            .Where(c => string.Equals(c.UserId, userId, StringComparison.Ordinal))
            .Select(c => c.ConnectionId)];

    /// <summary>Runs the board's broadcasts, one at a time, until none is waiting.</summary>
    private async Task RunAsync(string boardId, BoardPresence board)
    {
        while (true)
        {
            PresenceRound? round = null;
            HashSet<string> gone = [];
            while (round is null)
            {
                await Task.Delay(_delay, time);
                lock (_gate)
                {
                    if (IsDue(board, board.Waiting!))
                    {
                        round = board.Waiting!;
                        board.Waiting = null;
                        gone = [.. board.Gone];
                    }
                }
            }

            try
            {
                var (presence, listed) = await BroadcastAsync(boardId, gone, CancellationToken.None);
                logger.LogInformation("Presence of board {BoardId}: {Changes} changes told to {Connections} connections after {Waited} ms", boardId, round.Changes, listed.Count, (int)time.GetElapsedTime(round.Opened).TotalMilliseconds);
                lock (_gate)
                {
                    // Those the service no longer lists need no remembering.
                    board.Gone.RemoveWhere(id => gone.Contains(id) && !listed.Contains(id));
                    board.Listed = listed.Count;
                }

                round.Presence = presence;
                round.Completion.SetResult(round);
            }
            catch (Exception ex)
            {
                round.Completion.SetException(ex);
            }

            lock (_gate)
            {
                if (board.Waiting is null)
                {
                    _boards.Remove(boardId);
                    return;
                }
            }
        }
    }

    private bool IsDue(BoardPresence board, PresenceRound round)
    {
        var now = time.GetTimestamp();
        var waited = time.GetElapsedTime(round.Opened, now);
        return round.Changes >= Math.Max(1, 2 * board.Listed)
            || (time.GetElapsedTime(round.LastChange, now) >= _delay && waited >= _delay * Math.Max(1, board.Listed / ConnectionsPerDelay))
            || waited >= _maxDelay;
    }

    /// <summary>Reads who is on the board, except <paramref name="gone"/>, and tells the board.</summary>
    private async Task<(Presence Presence, HashSet<string> Listed)> BroadcastAsync(string boardId, HashSet<string> gone, CancellationToken cancellationToken)
    {
        var group = BoardChannels.ServerGroup(boardId);
        var connections = await webPubSub.ListGroupConnectionsAsync(group, cancellationToken);
        var people = await boards.GetPeopleAsync(boardId, cancellationToken);
        var users = connections
            .Where(c => !gone.Contains(c.ConnectionId) && !string.IsNullOrEmpty(c.UserId))
            .GroupBy(c => c.UserId!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new PresenceUser(g.Key, people.TryGetValue(g.Key, out var name) ? name : g.Key, g.Count()))
            .ToList();
        var presence = new Presence(boardId, users, users.Count);
        telemetry.BoardConnections(users.Sum(u => u.Connections));
        await webPubSub.SendToGroupAsync(group, JsonSerializer.SerializeToUtf8Bytes(new { name = "presence", data = presence }, BoardJson.Options), cancellationToken);
        return (presence, connections.Select(c => c.ConnectionId).ToHashSet(StringComparer.Ordinal));
    }

    private sealed class BoardPresence
    {
        /// <summary>The broadcast that changes arriving now join; null when none waits.</summary>
        public PresenceRound? Waiting { get; set; }

        /// <summary>How many connections the service listed at the board's last broadcast.</summary>
        public int Listed { get; set; }

        /// <summary>Connections reported gone that the service may still list.</summary>
        public HashSet<string> Gone { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>One coalesced presence broadcast of a board, shared by the changes it reported.</summary>
public sealed class PresenceRound
{
    private int _emptyClaimed;

    /// <summary>What the broadcast said.</summary>
    public Presence Presence { get; internal set; } = null!;

    internal long Opened { get; init; }

    internal long LastChange { get; set; }

    internal int Changes { get; set; }

    internal TaskCompletionSource<PresenceRound> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True for the first caller only, so that a board left empty by several connections at once is snapshotted once.</summary>
    public bool ClaimEmptyBoard() => Interlocked.Exchange(ref _emptyClaimed, 1) == 0;
}
