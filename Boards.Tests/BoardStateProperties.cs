using System.Text.Json;
using Collab.Boards.Model;
using Collab.Boards.Storage;
using CsCheck;

namespace Collab.Boards.Tests;

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
            "polyline" => (Shape)new PolylineShape { Id = id, Color = color, Width = width, Points = points },
            "line" => new LineShape { Id = id, Color = color, Width = width, Points = points[..2] },
            "circle" => new CircleShape { Id = id, Color = color, Width = width, X = x, Y = y, R = size },
            "text" => new TextShape { Id = id, Color = color, Width = width, X = x, Y = y, Text = "t" + size, FontSize = 16 },
            "ellipse" => new EllipseShape { Id = id, Color = color, Width = width, X = x, Y = y, W = size, H = size / 2 },
            _ => new RectShape { Id = id, Color = color, Width = width, X = x, Y = y, W = size, H = size / 2 },
        };

    private static readonly Gen<BoardOperation> GenOperation = Gen.Frequency(
        (4, GenShape.Select(s => (BoardOperation)new AddShape(s))),
        (2, GenShape.Select(s => (BoardOperation)new UpdateShape(s))),
        (2, Gen.OneOf(Ids).Select(id => (BoardOperation)new RemoveShape(id))),
        (1, Gen.Const((BoardOperation)new ClearShapes())),
        (1, Gen.OneOf("#ffffff", "", "#000000").Select(c => (BoardOperation)new SetBackground(Color: c))),
        (1, Gen.OneOf("0123456789abcdef", "").Select(i => (BoardOperation)new SetBackground(Color: null, Image: i))),
        (2, Gen.String[1, 40].Select(t => (BoardOperation)new PostChat(t))));

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
    public void LoggedOperations_RoundTripThroughJson_AsTheirOwnType()
    {
        GenOperation.Array[1, 50].Sample(operations =>
        {
            var log = Log(operations);
            var json = JsonSerializer.Serialize(log, BoardJson.Options);
            var read = JsonSerializer.Deserialize<List<LoggedOperation>>(json, BoardJson.Options)!;
            return read.Count == log.Count
                && read.Zip(log).All(p => p.First.Op.GetType() == p.Second.Op.GetType())
                && JsonSerializer.Serialize(read, BoardJson.Options) == json;
        }, iter: 200);
    }

    [Fact]
    public void OperationJson_CarriesTheTypeAndKindClientsUse()
    {
        var entry = new LoggedOperation(1, "o1", "u", DateTimeOffset.UnixEpoch, new AddShape(new RectShape { Id = "s1", Color = "#112233", Width = 1, X = 1, Y = 2, W = 3, H = 4 }));

        var json = JsonSerializer.Serialize(entry, BoardJson.Options);

        Assert.Contains("\"op\":{\"type\":\"addShape\",\"shape\":{\"kind\":\"rect\",\"id\":\"s1\"", json);
        Assert.DoesNotContain("fill", json);
        var outOfOrder = JsonSerializer.Deserialize<BoardOperation>("""{"shape":{"id":"s1","color":"#112233","width":1,"x":1,"y":2,"w":3,"h":4,"kind":"rect"},"type":"addShape"}""", BoardJson.Options);
        Assert.Equal(entry.Op, outOfOrder);
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
