namespace Collab.Functions.Boards;

/// <summary>A board's state as JSON: what <c>GET /api/boards/{id}</c> returns and what a snapshot stores.</summary>
/// <param name="Seq">The last operation applied.</param>
/// <param name="Shapes">The shapes, bottom to top.</param>
/// <param name="Background">The background.</param>
/// <param name="Chat">The latest chat messages, oldest first.</param>
public sealed record BoardStateDocument(long Seq, IReadOnlyList<Shape> Shapes, BoardBackground Background, IReadOnlyList<ChatMessage> Chat);
