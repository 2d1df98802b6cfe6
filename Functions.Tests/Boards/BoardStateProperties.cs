using System.Text.Json;
using Collab.Functions.Boards;
using CsCheck;

namespace Collab.Functions.Tests.Boards;

/// <summary>Properties of applying operations, over random sequences of valid operations (CsCheck).</summary>
public sealed class BoardStateProperties
{
    private static readonly string[] Ids = ["a", "b", "c", "d", "e"];

    private static readonly Gen<Shape> GenShape =
        from id in Gen.OneOf(Ids)
        from kind in Gen.OneOf("polyline", "line", "rect", "ellipse", "circle", "text")
        from color in Gen.OneOf("#000000", "#ff0000", "#1e90ff80")
        from width in Gen.Double[0.5, 200]
        from x in Gen.Double[-1000, 1000]
        from y in Gen.Double[-1000, 1000]
        from size in Gen.Double[0, 500]
        from points in Gen.Double[-1000, 1000].Array[2].Array[2, 20]
        select kind switch
        {
            "polyline" => new Shape { Id = id, Kind = kind, Color = color, Width = width, Points = points },
            "line" => new Shape { Id = id, Kind = kind, Color = color, Width = width, Points = points[..2] },
            "circle" => new Shape { Id = id, Kind = kind, Color = color, Width = width, X = x, Y = y, R = size },
            "text" => new Shape { Id = id, Kind = kind, Color = color, Width = width, X = x, Y = y, Text = "t" + size, FontSize = 16 },
            _ => new Shape { Id = id, Kind = kind, Color = color, Width = width, X = x, Y = y, W = size, H = size / 2 },
        };

    private static readonly Gen<BoardOperation> GenOperation = Gen.Frequency(
        (4, GenShape.Select(s => new BoardOperation { Type = BoardOperationTypes.AddShape, Shape = s })),
        (2, GenShape.Select(s => new BoardOperation { Type = BoardOperationTypes.UpdateShape, Shape = s })),
        (2, Gen.OneOf(Ids).Select(id => new BoardOperation { Type = BoardOperationTypes.RemoveShape, ShapeId = id })),
        (1, Gen.Const(new BoardOperation { Type = BoardOperationTypes.Clear })),
        (1, Gen.OneOf("#ffffff", "", "#000000").Select(c => new BoardOperation { Type = BoardOperationTypes.SetBackground, Color = c })),
        (1, Gen.OneOf("0123456789abcdef", "").Select(i => new BoardOperation { Type = BoardOperationTypes.SetBackground, Image = i })),
        (2, Gen.String[1, 40].Select(t => new BoardOperation { Type = BoardOperationTypes.Chat, Text = t })));

    [Fact]
    public void SnapshotPlusReplay_EqualsReplayFromEmpty()
    {
        Gen.Select(GenOperation.Array[0, 300], Gen.Int[0, 300]).Sample((operations, cut) =>
        {
            var log = Log(operations);
            var split = Math.Min(cut, log.Count);

            var fromEmpty = new BoardState();
            log.ForEach(fromEmpty.Apply);

            var beforeSnapshot = new BoardState();
            log.Take(split).ToList().ForEach(beforeSnapshot.Apply);
            var snapshot = JsonSerializer.Deserialize<BoardStateDocument>(JsonSerializer.Serialize(beforeSnapshot.ToDocument(), BoardJson.Options), BoardJson.Options)!;
            var resumed = BoardState.From(snapshot);
            log.Skip(split).ToList().ForEach(resumed.Apply);

            return Json(resumed) == Json(fromEmpty);
        }, iter: 500);
    }

    [Fact]
    public void SnapshotFormat_RoundTrips_AndRefusesAnyTruncation()
    {
        Gen.Select(GenOperation.Array[1, 100], Gen.Int[1, 10_000]).Sample((operations, cutAt) =>
        {
            var state = new BoardState();
            Log(operations).ForEach(state.Apply);
            var snapshot = new BoardSnapshot("b1", state.ToDocument(), [new RecentOperation("u", "op", 1)], 1, 123);
            var bytes = SnapshotFormat.Write(snapshot);

            var read = SnapshotFormat.Read(bytes, "b1", state.Seq);
            var torn = SnapshotFormat.Read(bytes.AsSpan(0, Math.Min(cutAt, bytes.Length - 1)), "b1", state.Seq);

            return read is not null && Json(BoardState.From(read.State)) == Json(state) && read.SegmentOffset == 123 && torn is null;
        }, iter: 200);
    }

    private static List<LoggedOperation> Log(BoardOperation[] operations) =>
        operations.Select((op, i) => new LoggedOperation(i + 1, "op" + i, "user", DateTimeOffset.UnixEpoch.AddSeconds(i), op)).ToList();

    private static string Json(BoardState state) => JsonSerializer.Serialize(state.ToDocument(), BoardJson.Options);
}
