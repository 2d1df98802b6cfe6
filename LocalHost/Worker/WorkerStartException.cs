namespace Collab.LocalHost.Worker;

/// <summary>The worker could not be started; the message says which step failed and carries the worker's own error.</summary>
public sealed class WorkerStartException(string message) : Exception(message);
