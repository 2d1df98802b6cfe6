namespace Collab.Boards.Model;

/// <summary>
/// Approximate managed-heap bytes of the board engine's objects, computed from their fields (object headers, strings
/// at two bytes a character, arrays of points) rather than by serialising them, so a running total can be kept per
/// operation at the cost of a few additions. The figures are estimates for budgets, not measurements: they are within
/// a small factor of what the heap holds, and the same input always gives the same figure.
/// </summary>
internal static class ByteEstimate
{
    /// <summary>An object header and method table pointer plus the fields of a small record.</summary>
    public const int Object = 48;

    /// <summary>One entry of a hash table (key, value, hash, next) with its share of the bucket array.</summary>
    public const int TableEntry = 40;

    /// <summary>A string: header, length and UTF-16 characters.</summary>
    public static long Of(string? text) => text is null ? 0 : 24 + (2L * text.Length);

    /// <summary>A shape with its strings and points.</summary>
    public static long Of(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var common = Object + Of(shape.Id) + Of(shape.Color) + Of(shape.Fill);
        return shape switch
        {
            PolylineShape polyline => common + Points(polyline.Points),
            LineShape line => common + Points(line.Points),
            TextShape text => common + Of(text.Text),
            _ => common,
        };
    }

    /// <summary>An operation as the log and the catch-up queue hold it.</summary>
    public static long Of(LoggedOperation entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Object + Of(entry.OpId) + Of(entry.Author) + Of(entry.Op);
    }

    /// <summary>The operation's own fields.</summary>
    public static long Of(BoardOperation operation) => operation switch
    {
        AddShape add => Object + Of(add.Shape),
        UpdateShape update => Object + Of(update.Shape),
        RemoveShape remove => Object + Of(remove.ShapeId),
        SetBackground background => Object + Of(background.Color) + Of(background.Image),
        PostChat chat => Object + Of(chat.Text),
        _ => Object,
    };

    /// <summary>A chat line kept in the state.</summary>
    public static long Of(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Object + Of(message.Author) + Of(message.Text);
    }

    // [[x, y], ...]: the outer array of references, then one two-double array per point.
    private static long Points(double[][] points) => 24 + (points.Length * (8L + 24 + 16));
}
