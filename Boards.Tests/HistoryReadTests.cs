using Collab.Boards.Errors;
using Collab.Boards.Log;
using Collab.Boards.Model;
using Collab.Boards.Storage;

namespace Collab.Boards.Tests;

/// <summary>
/// History (<c>?atSeq</c>, <c>ops?after</c>) reads only the range it needs, from the nearest snapshot at or below the
/// point, in bounded chunks, and gives what a full replay gives.
/// </summary>
public sealed class HistoryReadTests
{
    private const int Chunk = 1024;

    [Fact]
    public async Task SnapshotAt_ReadsFromTheNearestSnapshotToTheSeq_NotTheSegment_AndEqualsTheFullReplay()
    {
        var (storage, counting, boardId, lines) = await WriteBoardAsync();
        var reader = new EngineInstance(storage, Options());

        var replayed = await ReplayAsync(storage, boardId, 350);
        counting.Reset();
        var at = await reader.Live.SnapshotAtAsync(boardId, 350, CancellationToken.None);
        var read = counting.BytesRead;

        Assert.Equal(Ops.Json(replayed), Ops.Json(at!.State));
        // The snapshot is at 300: the lines of 301..350, plus at most the chunk that runs past 350.
        Assert.InRange(read, RangeBytes(lines, 300, 350), RangeBytes(lines, 300, 350) + Chunk);
        Assert.True(read < Total(lines) / 5, $"read {read} of a {Total(lines)}-byte segment");
        Assert.All(counting.Lengths, length => Assert.Equal(Chunk, length));
    }

    [Fact]
    public async Task OpsAfter_BeyondMemory_StartsAtTheSnapshotsOffset_ReadsOnePage_AndEqualsTheLog()
    {
        var (storage, counting, boardId, lines) = await WriteBoardAsync();
        var reader = new EngineInstance(storage, Options());
        await reader.Live.GetCurrentAsync(boardId, CancellationToken.None);

        counting.Reset();
        var page = await reader.Live.GetOpsAfterAsync(boardId, 320, CancellationToken.None);
        var read = counting.BytesRead;

        Assert.Equal(Enumerable.Range(321, 25).Select(s => (long)s), page.Ops.Select(o => o.Seq));
        Assert.Equal(lines.Skip(320).Take(25).Select(l => l.Text), page.Ops.Select(o => ((PostChat)o.Op).Text));
        Assert.InRange(read, RangeBytes(lines, 300, 345), RangeBytes(lines, 300, 345) + Chunk);
    }

    [Fact]
    public async Task HistoryReads_BeyondTheInstancesConcurrency_AreRefusedAsUnavailable_WithRetryAfter()
    {
        var (storage, counting, boardId, _) = await WriteBoardAsync();
        var reader = new EngineInstance(storage, Options(historyReads: 1));
        counting.Hold = new TaskCompletionSource();

        var first = reader.Live.SnapshotAtAsync(boardId, 350, CancellationToken.None);
        var second = await Assert.ThrowsAsync<UnavailableException>(() => reader.Live.SnapshotAtAsync(boardId, 10, CancellationToken.None));
        counting.Hold.SetResult();

        Assert.Equal(TimeSpan.FromSeconds(1), second.RetryAfter);
        Assert.Equal(350, (await first)!.State.Seq);
        Assert.Equal(10, (await reader.Live.SnapshotAtAsync(boardId, 10, CancellationToken.None))!.State.Seq);
    }

    private static BoardsOptions Options(int historyReads = 4) =>
        new() { LogSegmentSize = 10_000, OpsPageSize = 25, LogReadChunkBytes = Chunk, HistoryReadConcurrency = historyReads };

    // 500 chat operations in one segment, some longer than a chunk, with a snapshot at 300.
    private static async Task<(SharedStorage Storage, CountingSegments Counting, string BoardId, List<(long Seq, int Bytes, string Text)> Lines)> WriteBoardAsync()
    {
        var counting = new CountingSegments(new InMemoryLogSegments());
        var storage = new SharedStorage(counting, new InMemoryBoardSnapshots(TimeProvider.System));
        var writer = new EngineInstance(storage, Options());
        var boardId = Ops.NewBoard();
        var texts = new List<string>();
        for (var i = 1; i <= 500; i++)
        {
            var text = new string((char)('a' + (i % 26)), i % 50 == 0 ? 3 * Chunk : 40 + (i % 90));
            texts.Add(text);
            await writer.CommitAsync(boardId, "alice", new Model.IncomingOperation("op" + i, new PostChat(text)));
            if (i == 300)
            {
                await storage.Snapshots.WriteSnapshotAsync((await writer.Live.SnapshotCurrentAsync(boardId, CancellationToken.None))!, CancellationToken.None);
            }
        }

        var segment = (await counting.ReadAsync(boardId, 1, 0, int.MaxValue, CancellationToken.None)).ToArray();
        var lines = new List<(long, int, string)>();
        var start = 0;
        for (var end = Array.IndexOf(segment, (byte)'\n'); end >= 0; end = Array.IndexOf(segment, (byte)'\n', start))
        {
            lines.Add((lines.Count + 1, end + 1 - start, texts[lines.Count]));
            start = end + 1;
        }

        Assert.Equal(500, lines.Count);
        return (storage, counting, boardId, lines);
    }

    // The whole log from its start, in one read per segment: the reference the bounded reads must equal.
    private static async Task<BoardStateDocument> ReplayAsync(SharedStorage storage, string boardId, long upTo)
    {
        var log = new BoardLog(storage.Log, Microsoft.Extensions.Options.Options.Create(new BoardsOptions { LogReadChunkBytes = 16 * 1024 * 1024 }));
        var state = new BoardState();
        await log.ReadAsync(boardId, LogPosition.Start, upTo, state.Apply, CancellationToken.None);
        return state.ToDocument();
    }

    private static long RangeBytes(List<(long Seq, int Bytes, string Text)> lines, long after, long upTo) =>
        lines.Where(l => l.Seq > after && l.Seq <= upTo).Sum(l => (long)l.Bytes);

    private static long Total(List<(long Seq, int Bytes, string Text)> lines) => lines.Sum(l => (long)l.Bytes);

    /// <summary>Log segments that count the bytes each read returns, and can hold reads until released.</summary>
    private sealed class CountingSegments(ILogSegments inner) : ILogSegments
    {
        private long _bytesRead;

        public long BytesRead => Interlocked.Read(ref _bytesRead);

        public System.Collections.Concurrent.ConcurrentQueue<int> Lengths { get; private set; } = new();

        public TaskCompletionSource? Hold { get; set; }

        public void Reset()
        {
            Interlocked.Exchange(ref _bytesRead, 0);
            Lengths = new();
        }

        public async Task<ReadOnlyMemory<byte>> ReadAsync(string boardId, long segmentStart, long offset, int length, CancellationToken cancellationToken)
        {
            if (Hold is { } hold)
            {
                await hold.Task;
            }

            var bytes = await inner.ReadAsync(boardId, segmentStart, offset, length, cancellationToken);
            Interlocked.Add(ref _bytesRead, bytes.Length);
            Lengths.Enqueue(length);
            return bytes;
        }

        public Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
            inner.TryAppendAsync(boardId, segmentStart, offset, bytes, cancellationToken);

        public Task<IReadOnlyList<long>> ListAsync(string boardId, CancellationToken cancellationToken) => inner.ListAsync(boardId, cancellationToken);
    }
}
