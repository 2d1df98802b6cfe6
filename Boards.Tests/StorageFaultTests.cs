using Collab.Boards.Log;
using Collab.Boards.Storage;

namespace Collab.Boards.Tests;

/// <summary>Storage that fails part-way: nothing is applied twice and nothing is lost, on the failing instance or another.</summary>
public sealed class StorageFaultTests
{
    [Fact]
    public async Task ACatchUpThatFailsPartWay_IsRetriedFromStorage_NotAppliedTwice()
    {
        var storage = new SharedStorage();
        var options = new BoardsOptions { LogSegmentSize = 2 };
        var writer = new EngineInstance(storage, options);
        var boardId = Ops.NewBoard();
        await writer.CommitAsync(boardId, "alice", Ops.Chat("1"));
        var flaky = new FailingSegments(storage.Segments);
        var reader = new EngineInstance(new SharedStorage(flaky, storage.Snapshots), options);
        Assert.Equal(1, (await reader.Live.GetCurrentAsync(boardId, CancellationToken.None)).Seq);
        await writer.CommitAsync(boardId, "alice", Ops.Chat("2"));
        await writer.CommitAsync(boardId, "alice", Ops.Chat("3"));

        // Segment 1 now ends with op 2 and is read; the read of segment 3 then fails once.
        flaky.FailNextReadOf = 3;
        await Assert.ThrowsAsync<HttpRequestException>(() => reader.Live.GetCurrentAsync(boardId, CancellationToken.None));

        Assert.Equal(3, (await reader.Live.GetCurrentAsync(boardId, CancellationToken.None)).Seq);
        Assert.Equal(new Live.CommitResult(4, false), await reader.CommitAsync(boardId, "alice", Ops.Chat("4")));
        Assert.Equal(Ops.Json(await writer.Live.GetCurrentAsync(boardId, CancellationToken.None)), Ops.Json(await reader.Live.GetCurrentAsync(boardId, CancellationToken.None)));
    }

    [Theory]
    [InlineData("""{"type":"drawTriangle"}""", """{"kind":"star","id":"s","color":"#000000","width":1}""")]
    [InlineData("""{"shapeId":"s"}""", """{"id":"s","color":"#000000","width":1}""")]
    public async Task AnOperationOfUnknownOrNoType_IsUnreadableData_AndASnapshotWithSuchAShapeIsTorn(string op, string shape)
    {
        var badLine = """{"seq":1,"opId":"o","author":"a","at":"2026-01-01T00:00:00+00:00","op":""" + op + "}\n";
        var storage = new SharedStorage();
        var engine = new EngineInstance(storage);
        var boardId = Ops.NewBoard();
        await storage.Segments.TryAppendAsync(boardId, 1, 0, System.Text.Encoding.UTF8.GetBytes(badLine), CancellationToken.None);

        var failure = await Assert.ThrowsAsync<Errors.UnavailableException>(() => engine.CommitAsync(boardId, "a", Ops.Chat("x")));
        Assert.IsType<InvalidDataException>(failure.InnerException);

        // A well-formed snapshot (its hash matches its body) whose body holds such a shape.
        var written = System.Text.Encoding.UTF8.GetString(SnapshotFormat.Write(new BoardSnapshot("b1", new Model.BoardState().ToDocument(), [], 1, 0)));
        var (header, body) = (written[..written.IndexOf('\n', StringComparison.Ordinal)], written[(written.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        var badBody = body.Replace("\"shapes\":[]", "\"shapes\":[" + shape + "]", StringComparison.Ordinal);
        var hash = (string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        var content = System.Text.Encoding.UTF8.GetBytes(header.Replace(hash(body), hash(badBody), StringComparison.Ordinal) + "\n" + badBody);
        Assert.NotEqual(body, badBody);
        Assert.Null(SnapshotFormat.Read(content, "b1", 0));
    }

    /// <summary>Log segments that fail the next read of one segment, as a storage timeout would.</summary>
    private sealed class FailingSegments(ILogSegments inner) : ILogSegments
    {
        public long? FailNextReadOf { get; set; }

        public Task<ReadOnlyMemory<byte>> ReadAsync(string boardId, long segmentStart, long offset, int length, CancellationToken cancellationToken)
        {
            if (FailNextReadOf == segmentStart)
            {
                FailNextReadOf = null;
                throw new HttpRequestException("storage timed out");
            }

            return inner.ReadAsync(boardId, segmentStart, offset, length, cancellationToken);
        }

        public Task<bool> TryAppendAsync(string boardId, long segmentStart, long offset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
            inner.TryAppendAsync(boardId, segmentStart, offset, bytes, cancellationToken);

        public Task<IReadOnlyList<long>> ListAsync(string boardId, CancellationToken cancellationToken) => inner.ListAsync(boardId, cancellationToken);
    }
}
