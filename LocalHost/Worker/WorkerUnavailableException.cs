namespace Collab.LocalHost.Worker;

/// <summary>The worker is not running or its stream ended: requests get 503 until a restarted worker is ready.</summary>
public sealed class WorkerUnavailableException(string message) : Exception(message);
