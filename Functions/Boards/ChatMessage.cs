namespace Collab.Functions.Boards;

/// <summary>A chat line kept in the board state.</summary>
/// <param name="Seq">The operation that posted it.</param>
/// <param name="Author">The user id of the sender.</param>
/// <param name="Text">The message.</param>
/// <param name="At">When it was posted.</param>
public sealed record ChatMessage(long Seq, string Author, string Text, DateTimeOffset At);
