namespace Collab.Functions.Boards;

/// <summary>An operation read from a log segment, with the byte offset just past its line.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="EndOffset">Where the next line starts in the segment.</param>
public sealed record LogEntry(LoggedOperation Operation, long EndOffset);
