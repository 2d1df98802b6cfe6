using Collab.Boards.Storage;

namespace Collab.Boards.Live;

/// <summary>
/// The last <c>capacity</c> committed (author, operation id) pairs and their seqs: a retry of any of them is
/// answered with its seq instead of being applied again. Snapshots carry the window, so it survives a reload.
/// </summary>
internal sealed class DedupeWindow(int capacity)
{
    private readonly Dictionary<(string Author, string OpId), long> _seqs = [];
    private readonly Queue<RecentOperation> _order = new();

    public bool TryGet(string author, string opId, out long seq) => _seqs.TryGetValue((author, opId), out seq);

    public void Remember(RecentOperation operation)
    {
        _order.Enqueue(operation);
        _seqs.TryAdd((operation.Author, operation.OpId), operation.Seq);
        while (_order.Count > Math.Max(1, capacity))
        {
            var old = _order.Dequeue();
            _seqs.Remove((old.Author, old.OpId));
        }
    }

    /// <summary>The window, oldest first, as a snapshot keeps it.</summary>
    public IReadOnlyList<RecentOperation> ToList() => _order.ToList();
}
