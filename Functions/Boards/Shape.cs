using System.Text.Json.Serialization;

namespace Collab.Functions.Boards;

/// <summary>
/// A shape on a board. Which geometry fields are set depends on <see cref="Kind"/>: <c>points</c> for polyline and line,
/// <c>x, y, w, h</c> for rect and ellipse, <c>x, y, r</c> for circle, <c>x, y, text, fontSize</c> for text.
/// </summary>
public sealed record Shape
{
    /// <summary>The shape id, chosen by the client: 1–64 of <c>A-Z a-z 0-9 _ -</c>.</summary>
    public required string Id { get; init; }

    /// <summary><c>polyline</c>, <c>line</c>, <c>rect</c>, <c>ellipse</c>, <c>circle</c> or <c>text</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Stroke colour, <c>#rrggbb</c> or <c>#rrggbbaa</c>.</summary>
    public required string Color { get; init; }

    /// <summary>Stroke width, 0.5–200.</summary>
    public double Width { get; init; }

    /// <summary>Fill colour, when filled.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Fill { get; init; }

    /// <summary><c>[[x, y], ...]</c>: 2–10,000 points for a polyline, exactly 2 for a line.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[][]? Points { get; init; }

    /// <summary>Left (rect, ellipse), centre (circle) or baseline start (text).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? X { get; init; }

    /// <summary>Top, centre or baseline.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Y { get; init; }

    /// <summary>Width of a rect or ellipse.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? W { get; init; }

    /// <summary>Height of a rect or ellipse.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? H { get; init; }

    /// <summary>Radius of a circle.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? R { get; init; }

    /// <summary>The text of a text shape.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }

    /// <summary>Font size of a text shape, 4–400.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? FontSize { get; init; }
}
