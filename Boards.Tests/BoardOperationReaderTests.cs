using System.Text;
using System.Text.Json;
using Collab.Boards.Errors;
using Collab.Boards.Model;

namespace Collab.Boards.Tests;

/// <summary>The schema of committed operations.</summary>
public sealed class BoardOperationReaderTests
{
    [Theory]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"polyline","color":"#112233","width":2,"points":[[0,0],[10,10],[20,5]]}}""")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"line","color":"#112233aa","width":0.5,"points":[[0,0],[10,10]]}}""")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#112233","width":1,"x":-5,"y":5,"w":10,"h":0,"fill":"#ffffff"}}""")]
    [InlineData("updateShape", """{"opId":"o1","shape":{"id":"s1","kind":"ellipse","color":"#112233","width":1,"x":0,"y":0,"w":10,"h":20}}""")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"circle","color":"#112233","width":1,"x":0,"y":0,"r":3}}""")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"text","color":"#112233","width":1,"x":0,"y":0,"text":"hi <b>","fontSize":24}}""")]
    [InlineData("removeShape", """{"opId":"o1","shapeId":"s1"}""")]
    [InlineData("clear", """{"opId":"o1"}""")]
    [InlineData("setBackground", """{"opId":"o1","color":"#ffffff"}""")]
    [InlineData("setBackground", """{"opId":"o1","color":""}""")]
    [InlineData("chat", """{"opId":"o-1_x","text":"hello\nworld"}""")]
    public void ValidOperations_AreRead(string type, string json)
    {
        var operation = BoardOperationReader.Read(type, Encoding.UTF8.GetBytes(json));

        Assert.Equal(type, JsonSerializer.SerializeToElement(operation.Op, BoardJson.Options).GetProperty("type").GetString());
        Assert.StartsWith("o", operation.OpId);
    }

    [Theory]
    [InlineData("drawTriangle", """{"opId":"o1"}""", "not an operation")]
    [InlineData("addShape", """[1,2]""", "must be a JSON object")]
    [InlineData("addShape", """{"shape":{"id":"s1","kind":"rect","color":"#112233","width":1,"x":0,"y":0,"w":1,"h":1}}""", "opId is required")]
    [InlineData("addShape", """{"opId":"has space","shape":{}}""", "opId must be")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"star","color":"#112233","width":1}}""", "shape.kind 'star'")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"red","width":1,"x":0,"y":0,"w":1,"h":1}}""", "color must be a colour")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#112233","width":0,"x":0,"y":0,"w":1,"h":1}}""", "width must be")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#112233","width":500,"x":0,"y":0,"w":1,"h":1}}""", "width must be")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#112233","width":1,"x":1e400,"y":0,"w":1,"h":1}}""", "x must be a finite number")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#112233","width":1,"x":"1","y":0,"w":1,"h":1}}""", "x must be a finite number")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#112233","width":1,"x":0,"y":0,"w":-1,"h":1}}""", "w must be")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"line","color":"#112233","width":1,"points":[[0,0],[1,1],[2,2]]}}""", "exactly 2 points")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"polyline","color":"#112233","width":1,"points":[[0,0]]}}""", "2 to 10000 points")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"polyline","color":"#112233","width":1,"points":[[0,0],[1]]}}""", "[x, y] pair")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#112233","width":1,"x":0,"y":0,"w":1,"h":1,"onclick":"x"}}""", "Unknown field 'onclick'")]
    [InlineData("removeShape", """{"opId":"o1","shapeId":"s1","extra":1}""", "Unknown field 'extra'")]
    [InlineData("chat", """{"opId":"o1","text":""}""", "text must be 1 to 2000")]
    [InlineData("chat", """{"opId":"o1","text":"bell\u0007"}""", "control characters")]
    [InlineData("setBackground", """{"opId":"o1","image":"abc"}""", "color is required")]
    [InlineData("addShape", """{"opId":"o1","shape":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}}}""", "nests deeper")]
    [InlineData("addShape", "{not json", "not valid JSON")]
    // $ in a .NET pattern also matches before a final newline: ids and colours must not end in one.
    [InlineData("chat", """{"opId":"o1\n","text":"hi"}""", "opId must be")]
    [InlineData("removeShape", """{"opId":"o1","shapeId":"s1\n"}""", "shapeId must be")]
    [InlineData("setBackground", """{"opId":"o1","color":"#112233\n"}""", "color must be a colour")]
    // A lone surrogate, escaped or as raw bytes, is not text: refused like any malformed input, not thrown as a bug.
    [InlineData("chat", """{"opId":"o1","text":"\ud800"}""", "text is not well-formed Unicode")]
    [InlineData("chat", """{"opId":"o1","text":"a\udc00\ud800b"}""", "text is not well-formed Unicode")]
    [InlineData("chat", """{"opId":"\ud83d","text":"hi"}""", "opId is not well-formed Unicode")]
    [InlineData("chat", """{"opId":"o1","text":"hi","\ud800":1}""", "field name is not well-formed Unicode")]
    [InlineData("setBackground", """{"opId":"o1","color":"#11223\udfff"}""", "color is not well-formed Unicode")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"\ud800","color":"#112233","width":1}}""", "kind is not well-formed Unicode")]
    [InlineData("addShape", """{"opId":"o1","shape":{"id":"s1","kind":"text","color":"#112233","width":1,"x":0,"y":0,"text":"\udbff"}}""", "text is not well-formed Unicode")]
    public void InvalidOperations_AreRefusedWithAReason(string type, string json, string expected)
    {
        var error = Assert.Throws<InvalidRequestException>(() => BoardOperationReader.Read(type, Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TextThatIsNotUtf8_IsRefused()
    {
        // A surrogate encoded as if it were a character (CESU-8, ED A0 80) is not UTF-8.
        byte[] json = [.. "{\"opId\":\"o1\",\"text\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8];

        var error = Assert.Throws<InvalidRequestException>(() => BoardOperationReader.Read("chat", json));

        Assert.Contains("text is not well-formed Unicode", error.Message);
    }

    [Fact]
    public void TenThousandPoints_AreAccepted_OneMoreIsNot_NorIsAnOversizeMessage()
    {
        var atLimit = Polyline(BoardOperationReader.MaxPoints, i => i % 10);
        var overLimit = Polyline(BoardOperationReader.MaxPoints + 1, i => i % 10);
        var oversize = Polyline(3000, i => i / 7.0);

        Assert.True(atLimit.Length <= BoardOperationReader.MaxMessageBytes);
        Assert.Equal(BoardOperationReader.MaxPoints, Assert.IsType<PolylineShape>(Assert.IsType<AddShape>(BoardOperationReader.Read("addShape", atLimit).Op).Shape).Points.Length);
        Assert.Contains("points", Assert.Throws<InvalidRequestException>(() => BoardOperationReader.Read("addShape", overLimit)).Message);
        Assert.True(oversize.Length > BoardOperationReader.MaxMessageBytes);
        Assert.Contains("larger than 65536 bytes", Assert.Throws<InvalidRequestException>(() => BoardOperationReader.Read("addShape", oversize)).Message);
    }

    private static byte[] Polyline(int points, Func<int, double> coordinate)
    {
        var coordinates = Enumerable.Range(0, points).Select(i => new[] { coordinate(i), coordinate(i + 3) });
        return JsonSerializer.SerializeToUtf8Bytes(new { opId = "o1", shape = new { id = "s", kind = "polyline", color = "#000000", width = 1, points = coordinates } });
    }
}
