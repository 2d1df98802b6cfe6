using System.Text.Json;
using System.Text.RegularExpressions;
using Collab.Boards.Errors;

namespace Collab.Boards.Model;

/// <summary>
/// Validates a committed operation as a client sent it: the event name is the type, the JSON body holds
/// <c>opId</c> and the type's fields. Everything is checked (unknown fields, shape kinds, colours, widths, finite
/// coordinates within ±1,000,000, at most 10,000 points, text lengths) before anything is stored.
/// </summary>
public static partial class BoardOperationReader
{
    /// <summary>The largest operation message accepted.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>The most points a polyline may have.</summary>
    public const int MaxPoints = 10_000;

    private const double MaxCoordinate = 1_000_000;
    private const int MaxTextLength = 2000;
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };
    private static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "polyline", "line", "rect", "ellipse", "circle", "text" };

    /// <summary>Reads and validates an operation.</summary>
    /// <exception cref="InvalidRequestException">What is wrong with it.</exception>
    public static IncomingOperation Read(string type, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (json.Length > MaxMessageBytes)
        {
            throw new InvalidRequestException($"The message is larger than {MaxMessageBytes} bytes.");
        }

        if (!BoardOperation.Names.Contains(type, StringComparer.Ordinal))
        {
            throw new InvalidRequestException($"'{Clip(type)}' is not an operation; expected one of {string.Join(", ", BoardOperation.Names)}.");
        }

        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidRequestException("The operation must be a JSON object.");
            }

            RequireWellFormedText(root, "The operation");
            var opId = String(root, "opId", 1, 64, IdPattern());
            BoardOperation op = type switch
            {
                AddShape.Name => Only(root, ["opId", "shape"], new AddShape(ReadShape(Required(root, "shape")))),
                UpdateShape.Name => Only(root, ["opId", "shape"], new UpdateShape(ReadShape(Required(root, "shape")))),
                RemoveShape.Name => Only(root, ["opId", "shapeId"], new RemoveShape(String(root, "shapeId", 1, 64, IdPattern()))),
                ClearShapes.Name => Only(root, ["opId"], new ClearShapes()),
                SetBackground.Name => Only(root, ["opId", "color"], new SetBackground(root.TryGetProperty("color", out _) && Required(root, "color").GetString() == "" ? "" : Color(root, "color"))),
                _ => Only(root, ["opId", "text"], new PostChat(Text(root, "text"))),
            };
            return new IncomingOperation(opId, op);
        }
        catch (JsonException)
        {
            throw new InvalidRequestException("The operation is not valid JSON (or nests deeper than 8 levels).");
        }
    }

    private static Shape ReadShape(JsonElement shape)
    {
        if (shape.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException("shape must be an object.");
        }

        var kind = String(shape, "kind", 1, 16, null);
        if (!Kinds.Contains(kind))
        {
            throw new InvalidRequestException($"shape.kind '{Clip(kind)}' is not one of {string.Join(", ", Kinds)}.");
        }

        var id = String(shape, "id", 1, 64, IdPattern());
        var color = Color(shape, "color");
        var width = Number(shape, "width", 0.5, 200);
        var fill = shape.TryGetProperty("fill", out _) ? Color(shape, "fill") : null;
        string[] always = ["id", "kind", "color", "width", "fill"];
        return kind switch
        {
            "polyline" => Only(shape, [.. always, "points"], new PolylineShape { Id = id, Color = color, Width = width, Fill = fill, Points = Points(shape, 2, MaxPoints) }),
            "line" => Only(shape, [.. always, "points"], new LineShape { Id = id, Color = color, Width = width, Fill = fill, Points = Points(shape, 2, 2) }),
            "rect" => Only(shape, [.. always, "x", "y", "w", "h"], Box(shape, new RectShape { Id = id, Color = color, Width = width, Fill = fill })),
            "ellipse" => Only(shape, [.. always, "x", "y", "w", "h"], Box(shape, new EllipseShape { Id = id, Color = color, Width = width, Fill = fill })),
            "circle" => Only(shape, [.. always, "x", "y", "r"], new CircleShape
            {
                Id = id, Color = color, Width = width, Fill = fill,
                X = Number(shape, "x", -MaxCoordinate, MaxCoordinate),
                Y = Number(shape, "y", -MaxCoordinate, MaxCoordinate),
                R = Number(shape, "r", 0, MaxCoordinate),
            }),
            _ => Only(shape, [.. always, "x", "y", "text", "fontSize"], new TextShape
            {
                Id = id, Color = color, Width = width, Fill = fill,
                X = Number(shape, "x", -MaxCoordinate, MaxCoordinate),
                Y = Number(shape, "y", -MaxCoordinate, MaxCoordinate),
                Text = Text(shape, "text"),
                FontSize = shape.TryGetProperty("fontSize", out _) ? Number(shape, "fontSize", 4, 400) : 16,
            }),
        };
    }

    private static T Box<T>(JsonElement shape, T box)
        where T : BoxShape => box with
        {
            X = Number(shape, "x", -MaxCoordinate, MaxCoordinate),
            Y = Number(shape, "y", -MaxCoordinate, MaxCoordinate),
            W = Number(shape, "w", 0, MaxCoordinate),
            H = Number(shape, "h", 0, MaxCoordinate),
        };

    private static double[][] Points(JsonElement shape, int min, int max)
    {
        var points = Required(shape, "points");
        if (points.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidRequestException("shape.points must be an array of [x, y] pairs.");
        }

        var count = points.GetArrayLength();
        if (count < min || count > max)
        {
            throw new InvalidRequestException(min == max ? $"shape.points must have exactly {min} points." : $"shape.points must have {min} to {max} points.");
        }

        var result = new double[count][];
        var i = 0;
        foreach (var point in points.EnumerateArray())
        {
            if (point.ValueKind != JsonValueKind.Array || point.GetArrayLength() != 2)
            {
                throw new InvalidRequestException("Each point must be an [x, y] pair.");
            }

            result[i++] = [Coordinate(point[0]), Coordinate(point[1])];
        }

        return result;
    }

    private static double Coordinate(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && Math.Abs(number) <= MaxCoordinate
            ? number
            : throw new InvalidRequestException($"Coordinates must be finite numbers within ±{MaxCoordinate:0}.");

    private static double Number(JsonElement element, string name, double min, double max)
    {
        var value = Required(element, name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number) || number < min || number > max)
        {
            throw new InvalidRequestException($"{name} must be a finite number from {min} to {max}.");
        }

        return number;
    }

    private static string Color(JsonElement element, string name)
    {
        var value = String(element, name, 1, 16, null);
        return ColorPattern().IsMatch(value) ? value : throw new InvalidRequestException($"{name} must be a colour like #1e90ff or #1e90ff80.");
    }

    private static string Text(JsonElement element, string name)
    {
        var value = String(element, name, 1, MaxTextLength, null);
        return value.Any(c => char.IsControl(c) && c != '\n' && c != '\t') ? throw new InvalidRequestException($"{name} holds control characters.") : value;
    }

    private static string String(JsonElement element, string name, int minLength, int maxLength, Regex? pattern)
    {
        var value = Required(element, name);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InvalidRequestException($"{name} must be a string.");
        }

        var text = value.GetString()!;
        if (text.Length < minLength || text.Length > maxLength || (pattern is not null && !pattern.IsMatch(text)))
        {
            throw new InvalidRequestException(pattern is null
                ? $"{name} must be {minLength} to {maxLength} characters."
                : $"{name} must be {minLength} to {maxLength} characters of A-Z, a-z, 0-9, '_' or '-'.");
        }

        return text;
    }

    // JSON may escape a lone surrogate (\ud800), and the bytes may not be UTF-8 at all. Such text cannot be stored, sent
    // on or even looked up (reading or matching it throws), so it is refused first, as a bad request rather than a
    // failure of the handler, which Web PubSub would retry.
    private static void RequireWellFormedText(JsonElement element, string name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Decode(element.GetString, name);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    RequireWellFormedText(item, name);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    RequireWellFormedText(property.Value, Decode(() => property.Name, "A field name"));
                }

                break;
        }
    }

    private static string Decode(Func<string?> read, string name)
    {
        try
        {
            return read()!;
        }
        catch (InvalidOperationException)
        {
            throw new InvalidRequestException($"{Clip(name)} is not well-formed Unicode text.");
        }
    }

    private static JsonElement Required(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : throw new InvalidRequestException($"{name} is required.");

    private static T Only<T>(JsonElement element, string[] allowed, T value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new InvalidRequestException($"Unknown field '{Clip(property.Name)}'.");
            }
        }

        return value;
    }

    private static string Clip(string value) => value.Length <= 32 ? value : value[..32] + "…";

    // \A and \z, not ^ and $: $ also matches before a final newline.
    [GeneratedRegex(@"\A[A-Za-z0-9_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"\A#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})\z", RegexOptions.CultureInvariant)]
    private static partial Regex ColorPattern();
}
