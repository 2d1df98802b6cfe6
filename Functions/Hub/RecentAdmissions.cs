namespace Collab.Functions.Hub;

/// <summary>
/// The connections this instance admitted to each board a moment ago, which the service may not list in the board's
/// group yet (a connection joins it only after <c>connect</c> is answered): counted with the listed ones, they keep
/// connects that arrive together from all passing the per-user cap. Per instance.
/// </summary>
/// <remarks>
/// Budget: an admission is remembered for <see cref="Memory"/> (by then the service lists the connection, or it is
/// gone) or until its <c>disconnected</c>, and at most <see cref="Capacity"/> admissions in all; past that the expired
/// ones are dropped, then the oldest.
/// </remarks>
public sealed class RecentAdmissions(TimeProvider time)
{
    /// <summary>How long an admission is remembered.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromSeconds(10);

    /// <summary>The most admissions remembered.</summary>
    public const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Admission>> _boards = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>
    /// Admits <paramref name="connectionId"/> unless <paramref name="userId"/>'s connections on the board, those the
    /// service lists (<paramref name="listed"/>) and those admitted a moment ago, already number <paramref name="cap"/>.
    /// </summary>
    /// <returns>Null when admitted; otherwise how many connections the user has.</returns>
    public int? TryAdmit(string boardId, string userId, string connectionId, IEnumerable<string> listed, int cap)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_boards.TryGetValue(boardId, out var admissions))
            {
                _boards[boardId] = admissions = [];
            }

            _count -= admissions.RemoveAll(a => now - a.At > Memory);
            var open = new HashSet<string>(listed, StringComparer.Ordinal);
            open.UnionWith(admissions.Where(a => string.Equals(a.UserId, userId, StringComparison.Ordinal)).Select(a => a.ConnectionId));
            open.Remove(connectionId);
            if (open.Count >= cap)
            {
                if (admissions.Count == 0)
                {
                    _boards.Remove(boardId);
                }

                return open.Count;
            }

            admissions.Add(new Admission(connectionId, userId, now));
            if (++_count > Capacity)
            {
                Trim(now);
            }

            return null;
        }
    }

    /// <summary>Forgets a connection that ended.</summary>
    public void Forget(string boardId, string connectionId)
    {
        lock (_gate)
        {
            if (_boards.TryGetValue(boardId, out var admissions))
            {
                _count -= admissions.RemoveAll(a => a.ConnectionId == connectionId);
                if (admissions.Count == 0)
                {
                    _boards.Remove(boardId);
                }
            }
        }
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (boardId, admissions) in _boards.ToList())
        {
            _count -= admissions.RemoveAll(a => now - a.At > Memory);
            if (admissions.Count == 0)
            {
                _boards.Remove(boardId);
            }
        }

        foreach (var oldest in _boards.SelectMany(b => b.Value.Select(a => (Board: b.Key, a.At))).OrderBy(a => a.At).Take(_count - (Capacity * 9 / 10)).ToList())
        {
            var admissions = _boards[oldest.Board];
            admissions.RemoveAt(0);
            _count--;
            if (admissions.Count == 0)
            {
                _boards.Remove(oldest.Board);
            }
        }
    }

    private sealed record Admission(string ConnectionId, string UserId, DateTimeOffset At);
}
