using Collab.Boards.Errors;
using Collab.Boards.Model;

namespace Collab.Boards.Live;

/// <summary>
/// The board size cap applied while a batch is planned under the board's gate: the board as the batch's admitted
/// operations would leave it, projected from <paramref name="state"/> without applying them, so concurrent
/// operations cannot together overshoot <see cref="BoardsOptions.MaxShapes"/> or
/// <see cref="BoardsOptions.MaxStateBytes"/>. Only an operation that grows the board beyond a cap is refused;
/// removing and clearing, and anything that does not grow the board, always pass.
/// </summary>
internal sealed class BoardSizeCap(BoardState state, BoardsOptions options)
{
    // Shapes the batch has added, replaced (the new version) or removed (null), by id.
    private readonly Dictionary<string, Shape?> _touched = new(StringComparer.Ordinal);
    private bool _cleared;
    private int _shapes = state.ShapeCount;
    private long _bytes = state.EstimatedBytes;
    private long _shapeBytes = state.ShapeBytes;

    /// <summary>Admits <paramref name="operation"/> into the projection, or says why it is refused.</summary>
    /// <returns>Null when admitted; the refusal otherwise, and the projection is unchanged.</returns>
    public TooLargeException? TryAdmit(string author, BoardOperation operation)
    {
        var (shapes, bytes, shapeBytes) = (_shapes, _bytes, _shapeBytes);
        Shape? admitted = null;
        switch (operation)
        {
            case AddShape add:
                Replace(add.Shape, Find(add.Shape.Id), ref shapes, ref shapeBytes);
                admitted = add.Shape;
                break;
            case UpdateShape update when Find(update.Shape.Id) is { } previous:
                Replace(update.Shape, previous, ref shapes, ref shapeBytes);
                admitted = update.Shape;
                break;
            case RemoveShape remove when Find(remove.ShapeId) is { } removed:
                _touched[remove.ShapeId] = null;
                _shapes--;
                _bytes -= BoardState.ShapeEntryBytes(removed);
                _shapeBytes -= BoardState.ShapeEntryBytes(removed);
                return null;
            case ClearShapes:
                _touched.Clear();
                _cleared = true;
                _bytes -= _shapeBytes;
                (_shapes, _shapeBytes) = (0, 0);
                return null;
            case PostChat chat:
                bytes += state.ChatGrowth(author, chat.Text);
                break;
            default:
                return null;
        }

        bytes += shapeBytes - _shapeBytes;
        if (shapes > _shapes && shapes > options.MaxShapes)
        {
            return new TooLargeException(
                "board-too-large",
                $"The board holds its maximum of {options.MaxShapes} shapes; remove some before adding more.",
                options.MaxShapes);
        }

        if (bytes > _bytes && bytes > options.MaxStateBytes)
        {
            return new TooLargeException(
                "board-too-large",
                $"The operation would take the board beyond its maximum of about {options.MaxStateBytes} bytes; remove or simplify shapes first.",
                options.MaxStateBytes);
        }

        if (admitted is not null)
        {
            _touched[admitted.Id] = admitted;
        }

        (_shapes, _bytes, _shapeBytes) = (shapes, bytes, shapeBytes);
        return null;
    }

    private Shape? Find(string shapeId) =>
        _touched.TryGetValue(shapeId, out var shape) ? shape : _cleared ? null : state.FindShape(shapeId);

    private static void Replace(Shape shape, Shape? previous, ref int shapes, ref long shapeBytes)
    {
        shapeBytes += BoardState.ShapeEntryBytes(shape) - (previous is null ? 0 : BoardState.ShapeEntryBytes(previous));
        if (previous is null)
        {
            shapes++;
        }
    }
}
