using Microsoft.Azure.Functions.Worker;

namespace Collab.LocalHost.UnsupportedApp;

/// <summary>A queue-triggered function: a binding the local host does not implement.</summary>
public sealed class QueueFunctions
{
    /// <summary>Would run for each message of the <c>work</c> queue.</summary>
    [Function("Work")]
    public void Run([QueueTrigger("work")] string message) => _ = message;
}
