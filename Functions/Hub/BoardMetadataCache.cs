using System.Collections.Concurrent;
using Azure;
using Collab.Boards.Model;
using Collab.Boards.Storage;

namespace Collab.Functions.Hub;

/// <summary>
/// Board metadata for the admission checks that run often (the event handler's on every operation, negotiate's on
/// every token; connect reads the stored metadata itself): an entry is trusted for
/// <see cref="FreshFor"/>, then revalidated with its ETag (a 304 costs no body). At most <see cref="Capacity"/>
/// boards are held; past that the entries not used for longest are dropped. An instance that changes a board
/// forgets its entry at once; other instances see the change within <see cref="FreshFor"/>, and the change's REST
/// revocation reaches live connections meanwhile.
/// </summary>
public sealed class BoardMetadataCache(BoardStore store, TimeProvider time)
{
    /// <summary>How long an entry is used without revalidation.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    /// <summary>The most boards held.</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The board's metadata, or null when it does not exist.</summary>
    public async Task<BoardMetadata?> GetAsync(string boardId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(boardId, out var cached) && now - cached.CheckedAt < FreshFor)
        {
            cached.UsedAt = now;
            return cached.Metadata;
        }

        var (unchanged, metadata, etag) = await store.RevalidateMetadataAsync(boardId, cached?.ETag, cancellationToken);
        var entry = unchanged && cached is not null ? cached with { CheckedAt = now } : new Entry(metadata, etag, now);
        entry.UsedAt = now;
        if (entry.Metadata is null)
        {
            // A board that does not exist is not held: phantom ids must not fill the cache.
            _entries.TryRemove(boardId, out _);
            return null;
        }

        _entries[boardId] = entry;
        if (_entries.Count > Capacity)
        {
            Trim();
        }

        return entry.Metadata;
    }

    /// <summary>Drops a board's entry, after this instance changed or deleted the board.</summary>
    public void Forget(string boardId) => _entries.TryRemove(boardId, out _);

    private void Trim()
    {
        foreach (var stale in _entries.OrderBy(e => e.Value.UsedAt).Take(_entries.Count - (Capacity * 9 / 10)).ToList())
        {
            _entries.TryRemove(stale.Key, out _);
        }
    }

    private sealed record Entry(BoardMetadata? Metadata, ETag? ETag, DateTimeOffset CheckedAt)
    {
        public DateTimeOffset UsedAt { get; set; }
    }
}
