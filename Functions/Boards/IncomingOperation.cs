namespace Collab.Functions.Boards;

/// <summary>A validated operation a client asked to commit.</summary>
/// <param name="OpId">The client-generated operation id.</param>
/// <param name="Op">The operation.</param>
public sealed record IncomingOperation(string OpId, BoardOperation Op);
