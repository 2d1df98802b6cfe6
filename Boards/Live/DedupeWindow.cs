using Collab.Boards.Model;
using Collab.Boards.Storage;

namespace Collab.Boards.Live;

/// <summary>
/// The committed (author, operation id) pairs of a board that a retry may still repeat, with their seqs: a retry of
/// any of them is answered with its seq instead of being applied again. An entry leaves when it is beyond the last
/// <c>capacity</c> operations <em>and</em> older than <c>age</c> (by commit time, against the newest operation), so a
/// burst of more than <c>capacity</c> operations inside <c>age</c> is still deduplicated exactly; entries from older
/// snapshots have no time and leave by count alone. Snapshots carry the entries with their commit times, so the window
/// survives a reload.
/// <para>
/// Budget: at most <c>hardCap</c> entries whatever the age (counted in <see cref="EstimatedBytes"/>, which the live
/// budget of <see cref="LiveBoards"/> adds up). The trade-off: a board committing more than <c>hardCap</c>
/// operations within <c>age</c> forgets its oldest ids early, so a retry of one of those that arrives after more
/// than <c>hardCap</c> newer operations would be committed a second time. With the default (20,000 entries against
/// a two-minute age) that takes a sustained rate above 160 operations a second on one board, well beyond what one
/// board's single writer commits; without the cap a board's window, and so the instance's memory, would grow with
/// the board's operation rate.
/// </para>
/// </summary>
internal sealed class DedupeWindow(int capacity, TimeSpan age, int hardCap = int.MaxValue)
{
    // The queue slot, the record and its table entry, besides the two strings.
    private const int EntryOverhead = ByteEstimate.Object + ByteEstimate.TableEntry + 8;

    private readonly Dictionary<(string Author, string OpId), long> _seqs = [];
    private readonly Queue<RecentOperation> _order = new();
    private readonly int _hardCap = Math.Max(1, hardCap);

    /// <summary>The window's approximate bytes in memory.</summary>
    public long EstimatedBytes { get; private set; }

    /// <summary>How many entries the window holds.</summary>
    public int Count => _order.Count;

    public bool TryGet(string author, string opId, out long seq) => _seqs.TryGetValue((author, opId), out seq);

    public void Remember(RecentOperation operation)
    {
        _order.Enqueue(operation);
        EstimatedBytes += BytesOf(operation);
        _seqs.TryAdd((operation.Author, operation.OpId), operation.Seq);
        // Measured against the newest commit, not the clock, so a reload from the same log keeps the same entries.
        var cutoff = operation.At is { } newest ? newest - age : DateTimeOffset.MaxValue;
        while (_order.Count > _hardCap || (_order.Count > Math.Max(1, capacity) && (_order.Peek().At ?? DateTimeOffset.MinValue) < cutoff))
        {
            var old = _order.Dequeue();
            EstimatedBytes -= BytesOf(old);
            if (_seqs.TryGetValue((old.Author, old.OpId), out var seq) && seq == old.Seq)
            {
                _seqs.Remove((old.Author, old.OpId));
            }
        }
    }

    /// <summary>The window, oldest first, as a snapshot keeps it.</summary>
    public IReadOnlyList<RecentOperation> ToList() => _order.ToList();

    private static long BytesOf(RecentOperation operation) => EntryOverhead + ByteEstimate.Of(operation.Author) + ByteEstimate.Of(operation.OpId);
}
