using Collab.Boards.Model;

namespace Collab.Boards.Live;

/// <summary>An operation waiting for the board's writer, and the caller waiting for its result.</summary>
internal sealed class PendingOperation(string author, IncomingOperation operation, string? agent = null)
{
    public string Author { get; } = author;

    /// <summary>The AI agent sending on the author's behalf, if any (<see cref="LoggedOperation.Agent"/>).</summary>
    public string? Agent { get; } = agent;

    public IncomingOperation Operation { get; } = operation;

    public TaskCompletionSource<CommitResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
