using System.Globalization;
using System.Security;
using System.Text;

namespace Collab.Functions.Boards;

/// <summary>Renders a board as a standalone SVG document, sized to its shapes.</summary>
public static class BoardSvgRenderer
{
    private const double Margin = 20;

    /// <summary>The SVG of <paramref name="state"/>; the background image, if any, is referenced at <paramref name="backgroundUrl"/>.</summary>
    public static string Render(BoardStateDocument state, string backgroundUrl)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (minX, minY, maxX, maxY) = Bounds(state.Shapes);
        var width = maxX - minX + (2 * Margin);
        var height = maxY - minY + (2 * Margin);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{N(minX - Margin)} {N(minY - Margin)} {N(width)} {N(height)}\" width=\"{N(width)}\" height=\"{N(height)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<desc>seq {state.Seq}</desc>");
        if (state.Background.Color is { } color)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(minX - Margin)}\" y=\"{N(minY - Margin)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"{color}\"/>");
        }

        if (state.Background.Image is not null)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<image href=\"{Escape(backgroundUrl)}\" x=\"{N(minX - Margin)}\" y=\"{N(minY - Margin)}\" width=\"{N(width)}\" height=\"{N(height)}\" preserveAspectRatio=\"xMidYMid slice\"/>");
        }

        foreach (var shape in state.Shapes)
        {
            var stroke = $"stroke=\"{shape.Color}\" stroke-width=\"{N(shape.Width)}\" fill=\"{shape.Fill ?? "none"}\"";
            svg.Append(shape.Kind switch
            {
                "polyline" => $"<polyline id=\"{shape.Id}\" points=\"{string.Join(' ', shape.Points!.Select(p => N(p[0]) + "," + N(p[1])))}\" {stroke} stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
                "line" => $"<line id=\"{shape.Id}\" x1=\"{N(shape.Points![0][0])}\" y1=\"{N(shape.Points[0][1])}\" x2=\"{N(shape.Points[1][0])}\" y2=\"{N(shape.Points[1][1])}\" {stroke}/>",
                "rect" => $"<rect id=\"{shape.Id}\" x=\"{N(shape.X)}\" y=\"{N(shape.Y)}\" width=\"{N(shape.W)}\" height=\"{N(shape.H)}\" {stroke}/>",
                "ellipse" => $"<ellipse id=\"{shape.Id}\" cx=\"{N(shape.X + (shape.W / 2))}\" cy=\"{N(shape.Y + (shape.H / 2))}\" rx=\"{N(shape.W / 2)}\" ry=\"{N(shape.H / 2)}\" {stroke}/>",
                "circle" => $"<circle id=\"{shape.Id}\" cx=\"{N(shape.X)}\" cy=\"{N(shape.Y)}\" r=\"{N(shape.R)}\" {stroke}/>",
                _ => $"<text id=\"{shape.Id}\" x=\"{N(shape.X)}\" y=\"{N(shape.Y)}\" font-size=\"{N(shape.FontSize)}\" fill=\"{shape.Color}\">{Escape(shape.Text!)}</text>",
            });
        }

        return svg.Append("</svg>").ToString();
    }

    private static (double MinX, double MinY, double MaxX, double MaxY) Bounds(IReadOnlyList<Shape> shapes)
    {
        if (shapes.Count == 0)
        {
            return (0, 0, 800, 600);
        }

        var points = shapes.SelectMany(s => s.Kind switch
        {
            "polyline" or "line" => s.Points!.Select(p => (p[0], p[1])),
            "circle" => [(s.X!.Value - s.R!.Value, s.Y!.Value - s.R.Value), (s.X.Value + s.R.Value, s.Y.Value + s.R.Value)],
            "text" => [(s.X!.Value, s.Y!.Value - s.FontSize!.Value), (s.X.Value + (s.Text!.Length * s.FontSize.Value * 0.6), s.Y.Value)],
            _ => [(s.X!.Value, s.Y!.Value), (s.X.Value + s.W!.Value, s.Y.Value + s.H!.Value)],
        }).ToList();
        return (points.Min(p => p.Item1), points.Min(p => p.Item2), points.Max(p => p.Item1), points.Max(p => p.Item2));
    }

    private static string N(double? value) => (value ?? 0).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);
}
