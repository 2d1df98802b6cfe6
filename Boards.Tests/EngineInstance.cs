using System.Collections.Concurrent;
using Collab.Boards.Live;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Collab.Boards.Tests;

/// <summary>
/// One instance of the board engine, as one scaled-out function instance holds it: its own live boards over storage
/// that every instance built on the same <see cref="SharedStorage"/> shares, and a broadcaster that records what it
/// was asked to send.
/// </summary>
internal sealed class EngineInstance
{
    public EngineInstance(SharedStorage storage, BoardsOptions? options = null, TimeProvider? time = null)
    {
        var settings = Options.Create(options ?? new BoardsOptions());
        Log = new BoardLog(storage.Log, settings);
        Live = new LiveBoards(Log, storage.Snapshots, settings, time ?? TimeProvider.System);
        Committer = new BoardCommitter(Live, Log, Broadcasts, time ?? TimeProvider.System, NullLogger<BoardCommitter>.Instance, storage.Activity, storage.Snapshots, settings);
    }

    public BoardLog Log { get; }

    public LiveBoards Live { get; }

    public BoardCommitter Committer { get; }

    public RecordingBroadcaster Broadcasts { get; } = new();

    public Task<CommitResult> CommitAsync(string boardId, string author, IncomingOperation operation) =>
        Committer.CommitAsync(boardId, author, operation, CancellationToken.None);

    /// <summary>Every operation of a board, page by page through catch-up, as a reconnecting client reads them.</summary>
    public async Task<List<LoggedOperation>> AllOpsAsync(string boardId)
    {
        var all = new List<LoggedOperation>();
        while (true)
        {
            var page = await Live.GetOpsAfterAsync(boardId, all.Count == 0 ? 0 : all[^1].Seq, CancellationToken.None);
            if (page.Ops.Count == 0)
            {
                return all;
            }

            all.AddRange(page.Ops);
        }
    }
}

/// <summary>The storage scaled-out instances share: the log's segments and the snapshots.</summary>
internal sealed class SharedStorage(ILogSegments segments, InMemoryBoardSnapshots snapshots)
{
    public SharedStorage()
        : this(new InMemoryLogSegments(), new InMemoryBoardSnapshots(TimeProvider.System))
    {
    }

    public ILogSegments Log { get; } = segments;

    /// <summary>The in-memory segments, when the log is not wrapped.</summary>
    public InMemoryLogSegments Segments => (InMemoryLogSegments)Log;

    public InMemoryBoardSnapshots Snapshots { get; } = snapshots;

    public InMemoryBoardActivity Activity { get; } = new();
}

/// <summary>Records each board's broadcasts in the order they were sent.</summary>
internal sealed class RecordingBroadcaster : IBoardBroadcaster
{
    public ConcurrentDictionary<string, ConcurrentQueue<long>> Sent { get; } = new();

    public Task PublishAsync(string boardId, IReadOnlyList<LoggedOperation> operations, CancellationToken cancellationToken)
    {
        var sent = Sent.GetOrAdd(boardId, _ => new ConcurrentQueue<long>());
        foreach (var operation in operations)
        {
            sent.Enqueue(operation.Seq);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Operations and boards for the tests.</summary>
internal static class Ops
{
    public static string NewBoard() => "b" + Guid.NewGuid().ToString("N")[..16];

    public static IncomingOperation Chat(string opId) => new(opId, new PostChat("text of " + opId));

    public static IncomingOperation AddRect(string shapeId, int n) => new(
        "add-" + shapeId + "-" + n,
        new AddShape(new RectShape { Id = shapeId, Color = "#112233", Width = 1, X = n, Y = n, W = 10, H = 10 }));

    public static IncomingOperation Remove(string shapeId) => new("remove-" + shapeId + Guid.NewGuid().ToString("N")[..6], new RemoveShape(shapeId));

    public static string Json(BoardStateDocument state) => System.Text.Json.JsonSerializer.Serialize(state, BoardJson.Options);
}
