using System.Globalization;
using System.Security;
using System.Text;
using Collab.Boards.Model;

namespace Collab.Boards.Rendering;

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
            svg.Append(shape switch
            {
                PolylineShape p => $"<polyline id=\"{p.Id}\" points=\"{string.Join(' ', p.Points.Select(pt => N(pt[0]) + "," + N(pt[1])))}\" {stroke} stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
                LineShape l => $"<line id=\"{l.Id}\" x1=\"{N(l.Points[0][0])}\" y1=\"{N(l.Points[0][1])}\" x2=\"{N(l.Points[1][0])}\" y2=\"{N(l.Points[1][1])}\" {stroke}/>",
                RectShape r => $"<rect id=\"{r.Id}\" x=\"{N(r.X)}\" y=\"{N(r.Y)}\" width=\"{N(r.W)}\" height=\"{N(r.H)}\" {stroke}/>",
                EllipseShape e => $"<ellipse id=\"{e.Id}\" cx=\"{N(e.X + (e.W / 2))}\" cy=\"{N(e.Y + (e.H / 2))}\" rx=\"{N(e.W / 2)}\" ry=\"{N(e.H / 2)}\" {stroke}/>",
                CircleShape c => $"<circle id=\"{c.Id}\" cx=\"{N(c.X)}\" cy=\"{N(c.Y)}\" r=\"{N(c.R)}\" {stroke}/>",
                TextShape t => $"<text id=\"{t.Id}\" x=\"{N(t.X)}\" y=\"{N(t.Y)}\" font-size=\"{N(t.FontSize)}\" fill=\"{t.Color}\">{Escape(t.Text)}</text>",
                _ => throw new InvalidOperationException($"No SVG for {shape.GetType().Name}."),
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

        var boxes = shapes.Select(s => s.Bounds()).ToList();
        return (boxes.Min(b => b.Left), boxes.Min(b => b.Top), boxes.Max(b => b.Right), boxes.Max(b => b.Bottom));
    }

    private static string N(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);
}
