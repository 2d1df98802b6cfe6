namespace Collab.Boards.Model;

/// <summary>A validated operation a client asked to commit.</summary>
/// <param name="OpId">The client-generated operation id; with the author, the key that makes retries idempotent.</param>
/// <param name="Op">The operation.</param>
public sealed record IncomingOperation(string OpId, BoardOperation Op);
