using Collab.LocalHost.Rpc;

namespace Collab.LocalHost.Worker;

/// <summary>How a failed invocation is described in the host's log: the worker's exception, as the host logs it.</summary>
public static class InvocationFailure
{
    /// <summary>The exception type, message and stack trace the worker reported, or its result text.</summary>
    public static string Describe(StatusResult? result) => result?.Exception is { } exception
        ? $"{exception.Type}: {exception.Message}{(string.IsNullOrEmpty(exception.StackTrace) ? "" : System.Environment.NewLine + exception.StackTrace)}"
        : result?.Result is { Length: > 0 } text ? text : "no result";
}
