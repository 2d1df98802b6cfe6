using Collab.Boards.Live;
using Collab.Boards.Storage;

namespace Collab.Boards.Tests;

/// <summary>
/// Deduplication of (author, opId) is exact for <see cref="BoardsOptions.DeduplicationAge"/> whatever the number of
/// operations: the count (<see cref="BoardsOptions.DeduplicationWindow"/>) alone no longer evicts an entry.
/// </summary>
public sealed class DedupeWindowTests
{
    [Fact]
    public async Task ABurstLargerThanTheCount_WithinTheAge_StillAnswersARetryOfItsFirstOperation_AlsoAfterAReload()
    {
        var storage = new SharedStorage();
        var options = new BoardsOptions { DeduplicationWindow = 2_000, DeduplicationAge = TimeSpan.FromMinutes(2) };
        var writer = new EngineInstance(storage, options);
        var boardId = Ops.NewBoard();
        for (var i = 1; i <= 2_500; i++)
        {
            await writer.CommitAsync(boardId, "alice", Ops.Chat("m" + i));
        }

        var retry = await writer.CommitAsync(boardId, "alice", Ops.Chat("m1"));
        Assert.True(await storage.Snapshots.WriteSnapshotAsync((await writer.Live.SnapshotCurrentAsync(boardId, CancellationToken.None))!, CancellationToken.None));
        var reloaded = await new EngineInstance(storage, options).CommitAsync(boardId, "alice", Ops.Chat("m1"));

        Assert.Equal(new CommitResult(1, Duplicate: true), retry);
        Assert.Equal(new CommitResult(1, Duplicate: true), reloaded);
        Assert.Equal(2_500, (await writer.AllOpsAsync(boardId)).Count);
    }

    [Fact]
    public void AnEntryLeaves_OnlyWhenBeyondTheCount_AndOlderThanTheAge()
    {
        var t0 = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var window = new DedupeWindow(capacity: 2, age: TimeSpan.FromMinutes(1));

        window.Remember(new RecentOperation("u", "a", 1, t0));
        window.Remember(new RecentOperation("u", "b", 2, t0));
        window.Remember(new RecentOperation("u", "c", 3, t0.AddSeconds(30)));
        var keptWhileYoung = window.ToList().Count;
        window.Remember(new RecentOperation("u", "d", 4, t0.AddSeconds(61)));

        Assert.Equal(3, keptWhileYoung);
        Assert.False(window.TryGet("u", "a", out _));
        Assert.False(window.TryGet("u", "b", out _));
        Assert.True(window.TryGet("u", "c", out var seq) && seq == 3);
        Assert.Equal(["c", "d"], window.ToList().Select(o => o.OpId));
    }

    [Fact]
    public void EntriesOfAnOlderSnapshot_WithoutCommitTimes_LeaveByCountAlone()
    {
        var window = new DedupeWindow(capacity: 2, age: TimeSpan.FromMinutes(1));

        window.Remember(new RecentOperation("u", "a", 1));
        window.Remember(new RecentOperation("u", "b", 2));
        window.Remember(new RecentOperation("u", "c", 3, DateTimeOffset.UnixEpoch));

        Assert.Equal(["b", "c"], window.ToList().Select(o => o.OpId));
    }
}
