using Collab.Boards.Errors;
using Collab.Boards.Live;
using Collab.Boards.Model;

namespace Collab.Boards.Tests;

/// <summary>The board size cap: an operation that would grow a board beyond its shapes or bytes is refused and nothing is stored; shrinking always passes.</summary>
public sealed class BoardSizeCapTests
{
    [Fact]
    public async Task TheShapeAfterTheCap_IsRefused_AndNothingIsStored_WhileReplacingRemovingAndClearingPass()
    {
        var storage = new SharedStorage();
        var engine = new EngineInstance(storage, new BoardsOptions { MaxShapes = 3 });
        var boardId = Ops.NewBoard();
        for (var i = 0; i < 3; i++)
        {
            await engine.CommitAsync(boardId, "alice", Ops.AddRect("s" + i, i));
        }

        var refused = await Assert.ThrowsAsync<TooLargeException>(() => engine.CommitAsync(boardId, "alice", Ops.AddRect("s3", 3)));
        var replaced = await engine.CommitAsync(boardId, "alice", Ops.AddRect("s0", 9));
        var removed = await engine.CommitAsync(boardId, "alice", Ops.Remove("s1"));
        var addedAfterRemove = await engine.CommitAsync(boardId, "alice", Ops.AddRect("s3", 3));
        var refusedAgain = await Assert.ThrowsAsync<TooLargeException>(() => engine.CommitAsync(boardId, "alice", Ops.AddRect("s4", 4)));
        var cleared = await engine.CommitAsync(boardId, "alice", new IncomingOperation("clear", new ClearShapes()));

        Assert.Equal(("board-too-large", 3L), (refused.Code, refused.Limit));
        Assert.Contains("maximum of 3 shapes", refused.Message, StringComparison.Ordinal);
        Assert.Equal([4L, 5, 6, 7], new[] { replaced, removed, addedAfterRemove, cleared }.Select(r => r.Seq));
        Assert.Equal("board-too-large", refusedAgain.Code);
        Assert.Equal(7, (await engine.AllOpsAsync(boardId)).Count);
        Assert.Empty((await new EngineInstance(storage).Live.GetCurrentAsync(boardId, CancellationToken.None)).Shapes);
    }

    [Fact]
    public async Task ConcurrentAdds_CannotOvershootTheCap_OnlyTheOnesBeyondItAreRefused()
    {
        var storage = new SharedStorage();
        var options = new BoardsOptions { MaxShapes = 5 };
        var instances = new[] { new EngineInstance(storage, options), new EngineInstance(storage, options) };
        var boardId = Ops.NewBoard();

        var attempts = Enumerable.Range(0, 24).Select(i => Attempt(instances[i % 2].CommitAsync(boardId, "u" + i, Ops.AddRect("s" + i, i)))).ToList();
        var outcomes = await Task.WhenAll(attempts);
        var state = await new EngineInstance(storage, options).Live.GetCurrentAsync(boardId, CancellationToken.None);

        Assert.Equal(5, outcomes.Count(o => o == "committed"));
        Assert.Equal(19, outcomes.Count(o => o == "board-too-large"));
        Assert.Equal(5, state.Shapes.Count);
        Assert.Equal(5, state.Seq);
    }

    [Fact]
    public async Task AShapeThatWouldTakeTheBoardBeyondItsBytes_IsRefused_ButAShrinkingUpdatePasses()
    {
        var engine = new EngineInstance(new SharedStorage(), new BoardsOptions { MaxStateBytes = 64 * 1024 });
        var boardId = Ops.NewBoard();
        await engine.CommitAsync(boardId, "alice", Stroke("a", "1", 1_000));

        var refused = await Assert.ThrowsAsync<TooLargeException>(() => engine.CommitAsync(boardId, "alice", Stroke("b", "2", 1_000)));
        var shrunk = await engine.CommitAsync(boardId, "alice", new IncomingOperation("3", new UpdateShape(Shape("a", 10))));
        var fits = await engine.CommitAsync(boardId, "alice", Stroke("b", "4", 1_000));

        Assert.Equal((64L * 1024, "board-too-large"), (refused.Limit, refused.Code));
        Assert.Equal((2L, 3L), (shrunk.Seq, fits.Seq));
        Assert.Equal(["a", "b"], (await engine.Live.GetCurrentAsync(boardId, CancellationToken.None)).Shapes.Select(s => s.Id));
    }

    private static async Task<string> Attempt(Task<CommitResult> commit)
    {
        try
        {
            await commit;
            return "committed";
        }
        catch (TooLargeException ex)
        {
            return ex.Code;
        }
    }

    private static IncomingOperation Stroke(string shapeId, string opId, int points) => new(opId, new AddShape(Shape(shapeId, points)));

    private static PolylineShape Shape(string shapeId, int points) => new()
    {
        Id = shapeId,
        Color = "#000000",
        Width = 2,
        Points = Enumerable.Range(0, points).Select(p => new double[] { p, p }).ToArray(),
    };
}
