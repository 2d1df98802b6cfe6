using System.Collections.Concurrent;
using Collab.Boards.Storage;

namespace Collab.Functions.Communication;

/// <summary>
/// Which board a chat thread belongs to, read from the mapping written when the thread was created
/// (<see cref="BoardStore.RecordChatThreadAsync"/>) and kept in memory: a mapping never changes while it exists, so
/// the only staleness is a deleted board's thread, whose relays then reach an empty group. At most
/// <see cref="Capacity"/> entries; when full, the cache is emptied and refills from storage. Threads that are none of
/// ours are not cached, so a thread recorded a moment later is found.
/// </summary>
public sealed class ChatThreadBoards(BoardStore store)
{
    /// <summary>The most threads remembered.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, string> _boards = new(StringComparer.Ordinal);

    /// <summary>The board of <paramref name="threadId"/>, or null when it is none of ours.</summary>
    public async Task<string?> FindAsync(string threadId, CancellationToken cancellationToken)
    {
        if (_boards.TryGetValue(threadId, out var known))
        {
            return known;
        }

        if (await store.FindBoardOfThreadAsync(threadId, cancellationToken) is not { } boardId)
        {
            return null;
        }

        Remember(threadId, boardId);
        return boardId;
    }

    /// <summary>Remembers a mapping this instance just recorded or read.</summary>
    public void Remember(string threadId, string boardId)
    {
        if (_boards.Count >= Capacity)
        {
            _boards.Clear();
        }

        _boards[threadId] = boardId;
    }

    /// <summary>Forgets a deleted thread.</summary>
    public void Forget(string threadId) => _boards.TryRemove(threadId, out _);
}
