namespace Collab.Boards.Live;

/// <summary>The outcome of committing an operation.</summary>
/// <param name="Seq">Its sequence number.</param>
/// <param name="Duplicate">True when the same author and operation id had already been committed: nothing was applied again.</param>
public sealed record CommitResult(long Seq, bool Duplicate);
