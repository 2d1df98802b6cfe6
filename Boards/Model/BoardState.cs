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

    /// <summary>The last operation applied; 0 for an empty board.</summary>
    public long Seq { get; private set; }

    /// <summary>The shapes, bottom to top.</summary>
    public IEnumerable<Shape> Shapes => _shapes.Values;

    /// <summary>Rebuilds a state from its document (a snapshot).</summary>
    public static BoardState From(BoardStateDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var state = new BoardState { Seq = document.Seq, _background = document.Background };
        foreach (var shape in document.Shapes)
        {
            state._shapes[shape.Id] = shape;
        }

        foreach (var message in document.Chat)
        {
            state._chat.Enqueue(message);
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
                _shapes[add.Shape.Id] = add.Shape;
                break;
            case UpdateShape update when _shapes.ContainsKey(update.Shape.Id):
                _shapes[update.Shape.Id] = update.Shape;
                break;
            case RemoveShape remove:
                _shapes.Remove(remove.ShapeId);
                break;
            case ClearShapes:
                _shapes.Clear();
                break;
            case SetBackground background:
                _background = new BoardBackground(
                    background.Color is null ? _background.Color : NullIfEmpty(background.Color),
                    background.Image is null ? _background.Image : NullIfEmpty(background.Image));
                break;
            case PostChat chat:
                _chat.Enqueue(new ChatMessage(entry.Seq, entry.Author, chat.Text, entry.At));
                if (_chat.Count > ChatHistory)
                {
                    _chat.Dequeue();
                }

                break;
        }

        Seq = entry.Seq;
    }

    /// <summary>A copy of the state as a document.</summary>
    public BoardStateDocument ToDocument() => new(Seq, _shapes.Values.ToList(), _background, _chat.ToList());

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
