using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Collab.Boards.Storage;

/// <summary>
/// The activity index in this process's memory, for the fast tests and the handler-only benchmark mode; never deploy
/// it. Holds one entry per board per bucket until cleared, as the blob index does.
/// </summary>
public sealed class InMemoryBoardActivity : IBoardActivity
{
    private readonly ConcurrentDictionary<ActivityMarker, bool> _markers = new();

    /// <summary>The markers not yet cleared.</summary>
    public IReadOnlyCollection<ActivityMarker> Markers => _markers.Keys.ToList();

    /// <inheritdoc />
    public Task MarkActiveAsync(string boardId, DateTimeOffset bucket, CancellationToken cancellationToken)
    {
        _markers.TryAdd(new ActivityMarker(boardId, bucket), true);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ActivityMarker> ListMarkersAsync(DateTimeOffset before, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var marker in _markers.Keys.Where(m => m.Bucket < before).OrderBy(m => m.Bucket).ThenBy(m => m.BoardId, StringComparer.Ordinal))
        {
            yield return marker;
        }
    }

    /// <inheritdoc />
    public Task ClearAsync(ActivityMarker marker, CancellationToken cancellationToken)
    {
        _markers.TryRemove(marker, out _);
        return Task.CompletedTask;
    }
}
