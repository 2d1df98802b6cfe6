using System.Text.Json.Serialization;

namespace Collab.Boards.Model;

/// <summary>
/// A shape on a board, one record per kind; the JSON carries the kind as <c>kind</c> (<c>polyline</c>, <c>line</c>,
/// <c>rect</c>, <c>ellipse</c>, <c>circle</c>, <c>text</c>) followed by the kind's own fields.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(PolylineShape), "polyline")]
[JsonDerivedType(typeof(LineShape), "line")]
[JsonDerivedType(typeof(RectShape), "rect")]
[JsonDerivedType(typeof(EllipseShape), "ellipse")]
[JsonDerivedType(typeof(CircleShape), "circle")]
[JsonDerivedType(typeof(TextShape), "text")]
public abstract record Shape
{
    // After the kind (which System.Text.Json always writes first), the common fields come before the kind's own.

    /// <summary>The shape id, chosen by the client: 1–64 of <c>A-Z a-z 0-9 _ -</c>.</summary>
    [JsonPropertyOrder(-4)]
    public required string Id { get; init; }

    /// <summary>Stroke colour, <c>#rrggbb</c> or <c>#rrggbbaa</c>.</summary>
    [JsonPropertyOrder(-3)]
    public required string Color { get; init; }

    /// <summary>Stroke width, 0.5–200.</summary>
    [JsonPropertyOrder(-2)]
    public double Width { get; init; }

    /// <summary>Fill colour, when filled.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonPropertyOrder(-1)]
    public string? Fill { get; init; }

    /// <summary>The smallest box holding the shape: left, top, right, bottom.</summary>
    public abstract (double Left, double Top, double Right, double Bottom) Bounds();
}

/// <summary>A freehand stroke: 2–10,000 points.</summary>
public sealed record PolylineShape : Shape
{
    /// <summary><c>[[x, y], ...]</c>.</summary>
    public required double[][] Points { get; init; }

    /// <inheritdoc />
    public override (double Left, double Top, double Right, double Bottom) Bounds() => PointBounds(Points);

    internal static (double, double, double, double) PointBounds(double[][] points) =>
        (points.Min(p => p[0]), points.Min(p => p[1]), points.Max(p => p[0]), points.Max(p => p[1]));
}

/// <summary>A straight line: exactly two points.</summary>
public sealed record LineShape : Shape
{
    /// <summary><c>[[x1, y1], [x2, y2]]</c>.</summary>
    public required double[][] Points { get; init; }

    /// <inheritdoc />
    public override (double Left, double Top, double Right, double Bottom) Bounds() => PolylineShape.PointBounds(Points);
}

/// <summary>A shape drawn in a box: a rectangle or the ellipse inscribed in it.</summary>
public abstract record BoxShape : Shape
{
    /// <summary>Left of the box.</summary>
    public double X { get; init; }

    /// <summary>Top of the box.</summary>
    public double Y { get; init; }

    /// <summary>Width of the box.</summary>
    public double W { get; init; }

    /// <summary>Height of the box.</summary>
    public double H { get; init; }

    /// <inheritdoc />
    public override (double Left, double Top, double Right, double Bottom) Bounds() => (X, Y, X + W, Y + H);
}

/// <summary>A rectangle.</summary>
public sealed record RectShape : BoxShape;

/// <summary>An ellipse inscribed in its box.</summary>
public sealed record EllipseShape : BoxShape;

/// <summary>A circle.</summary>
public sealed record CircleShape : Shape
{
    /// <summary>Centre x.</summary>
    public double X { get; init; }

    /// <summary>Centre y.</summary>
    public double Y { get; init; }

    /// <summary>Radius.</summary>
    public double R { get; init; }

    /// <inheritdoc />
    public override (double Left, double Top, double Right, double Bottom) Bounds() => (X - R, Y - R, X + R, Y + R);
}

/// <summary>A line of text.</summary>
public sealed record TextShape : Shape
{
    /// <summary>Baseline start x.</summary>
    public double X { get; init; }

    /// <summary>Baseline y.</summary>
    public double Y { get; init; }

    /// <summary>The text.</summary>
    public required string Text { get; init; }

    /// <summary>Font size, 4–400.</summary>
    public double FontSize { get; init; } = 16;

    // An estimate: the SVG export sizes its canvas by it, and no font metrics are at hand on the server.
    /// <inheritdoc />
    public override (double Left, double Top, double Right, double Bottom) Bounds() => (X, Y - FontSize, X + (Text.Length * FontSize * 0.6), Y);
}
