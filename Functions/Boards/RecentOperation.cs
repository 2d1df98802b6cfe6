namespace Collab.Functions.Boards;

/// <summary>An operation id a snapshot remembers, so a retry of it after the snapshot is still recognised.</summary>
/// <param name="Author">The sender.</param>
/// <param name="OpId">The client's operation id.</param>
/// <param name="Seq">The seq it was committed as.</param>
public sealed record RecentOperation(string Author, string OpId, long Seq);
