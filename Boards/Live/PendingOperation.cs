using Collab.Boards.Model;

namespace Collab.Boards.Live;

/// <summary>An operation waiting for the board's writer, and the caller waiting for its result.</summary>
internal sealed class PendingOperation(string author, IncomingOperation operation)
{
    public string Author { get; } = author;

    public IncomingOperation Operation { get; } = operation;

    public TaskCompletionSource<CommitResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
