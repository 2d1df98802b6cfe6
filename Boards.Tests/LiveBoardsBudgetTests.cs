using Collab.Boards.Live;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Collab.Boards.Tests;

/// <summary>Eviction of live boards by idle time, board budget and byte budget, and reload after eviction.</summary>
public sealed class LiveBoardsBudgetTests
{
    [Fact]
    public async Task AnIdleBoard_IsEvicted_ThenReloadsFromSnapshotAndLog_WithDedupeIntact()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var storage = new SharedStorage();
        var options = new BoardsOptions { LiveIdleTimeout = TimeSpan.FromMinutes(5), LogSegmentSize = 4 };
        var engine = new EngineInstance(storage, options, time);
        var boardId = Ops.NewBoard();
        for (var i = 0; i < 6; i++)
        {
            await engine.CommitAsync(boardId, "alice", Ops.AddRect("s" + (i % 3), i));
        }

        Assert.True(await storage.Snapshots.WriteSnapshotAsync((await engine.Live.SnapshotCurrentAsync(boardId, CancellationToken.None))!, CancellationToken.None));
        for (var i = 6; i < 9; i++)
        {
            await engine.CommitAsync(boardId, "alice", Ops.AddRect("s" + (i % 3), i));
        }

        var before = Ops.Json(await engine.Live.GetCurrentAsync(boardId, CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(4));
        var (loadedBeforeIdle, sweepingBeforeIdle) = (engine.Live.IsLoaded(boardId), engine.Live.Sweeping);
        time.Advance(TimeSpan.FromMinutes(4));
        var usage = engine.Live.Usage();

        Assert.True(loadedBeforeIdle && sweepingBeforeIdle);
        // With no board loaded, no timer is left: an idle instance does no background work.
        Assert.False(engine.Live.IsLoaded(boardId) || engine.Live.Sweeping);
        Assert.Equal((0, 0L, 1L), (usage.LoadedBoards, usage.EstimatedBytes, usage.IdleEvictions));
        // One retry from before the snapshot, one from the log tail after it: both still answered with their seq.
        Assert.Equal(new CommitResult(2, Duplicate: true), await engine.CommitAsync(boardId, "alice", Ops.AddRect("s1", 1)));
        Assert.Equal(new CommitResult(8, Duplicate: true), await engine.CommitAsync(boardId, "alice", Ops.AddRect("s1", 7)));
        Assert.Equal(before, Ops.Json(await engine.Live.GetCurrentAsync(boardId, CancellationToken.None)));
        Assert.Equal(new CommitResult(10, Duplicate: false), await engine.CommitAsync(boardId, "alice", Ops.Chat("after")));
        Assert.True(engine.Live.Sweeping);
    }

    [Fact]
    public async Task OverTheBoardBudget_TheLeastRecentlyUsedBoardsLeave_ButNeverOneInUse()
    {
        var engine = new EngineInstance(new SharedStorage(), new BoardsOptions { LiveMaxBoards = 2 });
        var boards = Enumerable.Range(0, 4).Select(_ => Ops.NewBoard()).ToList();
        using (engine.Live.Acquire(boards[0]))
        {
            foreach (var boardId in boards)
            {
                await engine.CommitAsync(boardId, "alice", Ops.Chat("m"));
            }

            // boards[0] is held, so boards[1] and boards[2] made room for the newest.
            Assert.Equal([true, false, false, true], boards.Select(engine.Live.IsLoaded));
        }

        // Released, boards[0] counts as just used, so loading boards[1] again pushes out boards[3].
        await engine.CommitAsync(boards[1], "alice", Ops.Chat("again"));
        var usage = engine.Live.Usage();

        Assert.Equal([true, true, false, false], boards.Select(engine.Live.IsLoaded));
        Assert.Equal((2, 3L, 0L), (usage.LoadedBoards, usage.BoardBudgetEvictions, usage.IdleEvictions));
        Assert.Equal(new CommitResult(1, Duplicate: true), await engine.CommitAsync(boards[2], "alice", Ops.Chat("m")));
    }

    [Fact]
    public async Task TheByteEstimate_FollowsTheStateAndTheCatchUpQueue()
    {
        var engine = new EngineInstance(new SharedStorage());
        var small = Ops.NewBoard();
        var large = Ops.NewBoard();
        await engine.CommitAsync(small, "alice", Ops.Chat("m"));
        var smallBytes = engine.Live.Usage().EstimatedBytes;
        await engine.CommitAsync(large, "alice", Stroke("big", 1_000));
        var bothBytes = engine.Live.Usage().EstimatedBytes;
        await engine.CommitAsync(large, "alice", new IncomingOperation("rm", new RemoveShape("big")));
        var afterRemove = engine.Live.Usage().EstimatedBytes;

        // 1,000 points are about 48 KB, held once in the state and once in the catch-up queue; removing the shape
        // frees the state's copy, while the queue still holds the operation that added it.
        Assert.InRange(bothBytes - smallBytes, 2 * 48_000, 2 * 60_000);
        Assert.InRange(bothBytes - afterRemove, 45_000, 60_000);
        Assert.Null(engine.Live.Usage().PressureReason(90));
    }

    [Fact]
    public async Task OverTheByteBudget_TheLeastRecentlyUsedBoardLeaves_AndPressureIsReported()
    {
        var engine = new EngineInstance(new SharedStorage(), new BoardsOptions { LiveMaxBytes = 150 * 1024 });
        var first = Ops.NewBoard();
        var second = Ops.NewBoard();
        await engine.CommitAsync(first, "alice", Stroke("big", 1_000));
        var oneBoard = engine.Live.Usage();
        await engine.CommitAsync(second, "alice", Stroke("big", 1_000));
        var usage = engine.Live.Usage();

        Assert.Equal((1, 0L), (oneBoard.LoadedBoards, oneBoard.ByteBudgetEvictions));
        Assert.Equal((1, 1L, 1L), (usage.LoadedBoards, usage.ByteBudgetEvictions, usage.BudgetEvictionsLastMinute));
        Assert.Equal((false, true), (engine.Live.IsLoaded(first), engine.Live.IsLoaded(second)));
        Assert.Equal(oneBoard.EstimatedBytes, usage.EstimatedBytes);
        Assert.Equal("1 evicted for budget in the last minute", usage.PressureReason(90));
        Assert.StartsWith("live boards at 6", usage.PressureReason(50), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEvictedBoardsBytes_LeaveTheTotal_SoTheEstimateDoesNotDrift()
    {
        var engine = new EngineInstance(new SharedStorage(), new BoardsOptions { LiveMaxBoards = 1 });
        for (var i = 0; i < 20; i++)
        {
            await engine.CommitAsync(Ops.NewBoard(), "alice", Stroke("s", 50 + i));
        }

        var survivor = Ops.NewBoard();
        await engine.CommitAsync(survivor, "alice", Ops.Chat("m"));
        var before = engine.Live.Usage();
        engine.Live.Forget(survivor);
        var after = engine.Live.Usage();

        Assert.Equal((1, 20L), (before.LoadedBoards, before.BoardBudgetEvictions));
        Assert.InRange(before.EstimatedBytes, 1, 20_000);
        Assert.Equal((0, 0L), (after.LoadedBoards, after.EstimatedBytes));
    }

    [Fact]
    public void TheDedupeWindow_HasAHardCap_ThatTheAgeCannotHold_AndItsBytesFollowIt()
    {
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var window = new DedupeWindow(capacity: 2, age: TimeSpan.FromHours(1), hardCap: 3);
        var bytesOfThree = 0L;
        for (var i = 1; i <= 5; i++)
        {
            window.Remember(new RecentOperation("u", "op" + i, i, t0));
            bytesOfThree = i == 3 ? window.EstimatedBytes : bytesOfThree;
        }

        Assert.Equal(["op3", "op4", "op5"], window.ToList().Select(o => o.OpId));
        Assert.False(window.TryGet("u", "op2", out _));
        Assert.True(window.TryGet("u", "op3", out var seq) && seq == 3);
        Assert.Equal(bytesOfThree, window.EstimatedBytes);
    }

    private static IncomingOperation Stroke(string shapeId, int points) => new(
        "stroke-" + shapeId + "-" + points,
        new AddShape(new PolylineShape { Id = shapeId, Color = "#000000", Width = 2, Points = Enumerable.Range(0, points).Select(p => new double[] { p, p }).ToArray() }));
}
