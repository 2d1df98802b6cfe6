namespace Collab.LocalHost.Worker;

/// <summary>An invocation ran longer than <c>functionTimeout</c>; it has been cancelled, and its worker is recycled if it does not stop.</summary>
public sealed class FunctionTimeoutException(string message) : Exception(message);
