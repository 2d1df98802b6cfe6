using System.Text.Json.Serialization;

namespace Collab.Boards.Model;

/// <summary>A board's state as JSON: what <c>GET /api/boards/{id}</c> returns and what a snapshot stores.</summary>
/// <param name="Seq">The last operation applied.</param>
/// <param name="Shapes">The shapes, bottom to top.</param>
/// <param name="Background">The background.</param>
/// <param name="Chat">The latest chat messages, oldest first.</param>
public sealed record BoardStateDocument(long Seq, IReadOnlyList<Shape> Shapes, BoardBackground Background, IReadOnlyList<ChatMessage> Chat);

/// <summary>A board's background.</summary>
/// <param name="Color">The colour, if set.</param>
/// <param name="Image">The version of the uploaded image (served at <c>/api/boards/{id}/background</c>), if any.</param>
public sealed record BoardBackground(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Color,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Image);

/// <summary>A chat line kept in the board state.</summary>
/// <param name="Seq">The operation that posted it.</param>
/// <param name="Author">The user id of the sender.</param>
/// <param name="Text">The message.</param>
/// <param name="At">When it was posted.</param>
public sealed record ChatMessage(long Seq, string Author, string Text, DateTimeOffset At);
