using Collab.Boards.Storage;

namespace Collab.Boards.Live;

/// <summary>
/// The committed (author, operation id) pairs of a board that a retry may still repeat, with their seqs: a retry of
/// any of them is answered with its seq instead of being applied again. An entry leaves only when it is beyond the
/// last <c>capacity</c> operations <em>and</em> older than <c>age</c> (by commit time, against the newest operation),
/// so a burst of more than <c>capacity</c> operations inside <c>age</c> is still deduplicated exactly. The budget is
/// therefore <c>capacity</c> entries, or every operation of the board's last <c>age</c> when there are more, which
/// the board's single writer bounds (one conditional append per batch). Snapshots carry the entries with their commit
/// times, so the window survives a reload; entries from older snapshots have no time and leave by count alone.
/// </summary>
internal sealed class DedupeWindow(int capacity, TimeSpan age)
{
    private readonly Dictionary<(string Author, string OpId), long> _seqs = [];
    private readonly Queue<RecentOperation> _order = new();

    public bool TryGet(string author, string opId, out long seq) => _seqs.TryGetValue((author, opId), out seq);

    public void Remember(RecentOperation operation)
    {
        _order.Enqueue(operation);
        _seqs.TryAdd((operation.Author, operation.OpId), operation.Seq);
        // Measured against the newest commit, not the clock, so a reload from the same log keeps the same entries.
        var cutoff = operation.At is { } newest ? newest - age : DateTimeOffset.MaxValue;
        while (_order.Count > Math.Max(1, capacity) && (_order.Peek().At ?? DateTimeOffset.MinValue) < cutoff)
        {
            var old = _order.Dequeue();
            if (_seqs.TryGetValue((old.Author, old.OpId), out var seq) && seq == old.Seq)
            {
                _seqs.Remove((old.Author, old.OpId));
            }
        }
    }

    /// <summary>The window, oldest first, as a snapshot keeps it.</summary>
    public IReadOnlyList<RecentOperation> ToList() => _order.ToList();
}
