using Collab.Functions.Boards;

namespace Collab.Bench.PeerComparison;

/// <summary>The baseline does not broadcast committed operations either, so the "handler only" rows leave it out.</summary>
public sealed class NoBroadcast : IBoardBroadcaster
{
    public Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken) => Task.CompletedTask;
}
