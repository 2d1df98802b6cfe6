namespace Collab.Boards.Model;

/// <summary>
/// A board as the operations so far have made it. Applying is total and deterministic, so replaying the log from
/// any snapshot gives the same board as replaying it from empty: adding an existing shape replaces it in place,
/// updating or removing a missing one changes nothing.
/// </summary>
public sealed class BoardState
{
    /// <summary>How many chat messages the state keeps; older ones stay in the log.</summary>
    public const int ChatHistory = 100;

    private readonly OrderedDictionary<string, Shape> _shapes = new(StringComparer.Ordinal);
    private readonly Queue<ChatMessage> _chat = new();
    private BoardBackground _background = new(null, null);
    private long _shapeBytes;
    private long _chatBytes;

    /// <summary>The last operation applied; 0 for an empty board.</summary>
    public long Seq { get; private set; }

    /// <summary>The shapes, bottom to top.</summary>
    public IEnumerable<Shape> Shapes => _shapes.Values;

    /// <summary>How many shapes the board holds.</summary>
    public int ShapeCount => _shapes.Count;

    /// <summary>
    /// The state's approximate bytes in memory (shapes, chat, background), kept as a running total on every
    /// <see cref="Apply"/>: what the board size cap and the live budget count.
    /// </summary>
    public long EstimatedBytes => ByteEstimate.Object + _shapeBytes + _chatBytes + ByteEstimate.Of(_background.Color) + ByteEstimate.Of(_background.Image);

    /// <summary>Rebuilds a state from its document (a snapshot).</summary>
    public static BoardState From(BoardStateDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var state = new BoardState { Seq = document.Seq, _background = document.Background };
        foreach (var shape in document.Shapes)
        {
            state.PutShape(shape);
        }

        foreach (var message in document.Chat)
        {
            state._chat.Enqueue(message);
            state._chatBytes += ByteEstimate.Of(message);
        }

        return state;
    }

    /// <summary>Applies the next operation of the log.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="entry"/> is not the next sequence number.</exception>
    public void Apply(LoggedOperation entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Seq != Seq + 1)
        {
            throw new InvalidOperationException($"Operation {entry.Seq} cannot follow {Seq}: the log has a gap or a repeat.");
        }

        switch (entry.Op)
        {
            case AddShape add:
                PutShape(add.Shape);
                break;
            case UpdateShape update when _shapes.ContainsKey(update.Shape.Id):
                PutShape(update.Shape);
                break;
            case RemoveShape remove:
                if (_shapes.Remove(remove.ShapeId, out var removed))
                {
                    _shapeBytes -= ShapeEntryBytes(removed);
                }

                break;
            case ClearShapes:
                _shapes.Clear();
                _shapeBytes = 0;
                break;
            case SetBackground background:
                _background = new BoardBackground(
                    background.Color is null ? _background.Color : NullIfEmpty(background.Color),
                    background.Image is null ? _background.Image : NullIfEmpty(background.Image));
                break;
            case PostChat chat:
                var message = new ChatMessage(entry.Seq, entry.Author, chat.Text, entry.At);
                _chat.Enqueue(message);
                _chatBytes += ByteEstimate.Of(message);
                if (_chat.Count > ChatHistory)
                {
                    _chatBytes -= ByteEstimate.Of(_chat.Dequeue());
                }

                break;
        }

        Seq = entry.Seq;
    }

    /// <summary>The estimated bytes of the shapes alone, with their table entries.</summary>
    internal long ShapeBytes => _shapeBytes;

    /// <summary>The shape with <paramref name="shapeId"/>, if the board holds one.</summary>
    public Shape? FindShape(string shapeId) => _shapes.GetValueOrDefault(shapeId);

    /// <summary>How many bytes a chat message would add, net of the oldest one it pushes out of the history.</summary>
    internal long ChatGrowth(string author, string text) =>
        ByteEstimate.Object + ByteEstimate.Of(author) + ByteEstimate.Of(text) - (_chat.Count >= ChatHistory ? ByteEstimate.Of(_chat.Peek()) : 0);

    /// <summary>A shape's bytes as the state holds it, with its table entry.</summary>
    internal static long ShapeEntryBytes(Shape shape) => ByteEstimate.TableEntry + ByteEstimate.Of(shape);

    /// <summary>A copy of the state as a document.</summary>
    public BoardStateDocument ToDocument() => new(Seq, _shapes.Values.ToList(), _background, _chat.ToList());

    private void PutShape(Shape shape)
    {
        if (_shapes.TryGetValue(shape.Id, out var previous))
        {
            _shapeBytes -= ShapeEntryBytes(previous);
        }

        _shapes[shape.Id] = shape;
        _shapeBytes += ShapeEntryBytes(shape);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
