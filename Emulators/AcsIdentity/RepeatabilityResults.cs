namespace Collab.Emulators.AcsIdentity;

/// <summary>
/// The results of creates remembered by their repeatability id, so a repeated id gets the first result again: at most
/// a given number, the oldest forgotten first. Not thread-safe: its owner calls it under its own lock.
/// </summary>
/// <typeparam name="T">What a create's result is remembered as.</typeparam>
internal sealed class RepeatabilityResults<T>
{
    private readonly Dictionary<string, T> _results = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>The result remembered for <paramref name="id"/>, if any.</summary>
    public bool TryGet(string id, out T result) => _results.TryGetValue(id, out result!);

    /// <summary>Remembers <paramref name="result"/> for <paramref name="id"/>, then forgets the oldest beyond <paramref name="capacity"/>.</summary>
    public void Remember(string id, T result, int capacity)
    {
        _results[id] = result;
        _order.Enqueue(id);
        while (_order.Count > capacity)
        {
            _results.Remove(_order.Dequeue());
        }
    }
}
