namespace Collab.LocalHost.Worker;

/// <summary>How the host starts the worker.</summary>
public sealed class WorkerOptions
{
    /// <summary>The worker's build output: its assembly, <c>host.json</c> and <c>worker.config.json</c>, which names the assembly.</summary>
    public required string FunctionAppDirectory { get; init; }

    /// <summary>The app settings, set as environment variables of the worker unless the host's environment already sets them, as Core Tools does.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>How long each start-up step (connect, init, metadata, each load) may take.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The waits before successive restarts of a crashed worker; the last one repeats.</summary>
    public IReadOnlyList<TimeSpan> RestartDelays { get; init; } = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    /// <summary>How long a stopping worker has to exit after <c>WorkerTerminate</c> before it is killed.</summary>
    public TimeSpan TerminateGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The largest gRPC message either side accepts, as the Functions host sets it: the host's server takes it and the
    /// worker is given it as <c>--functions-grpc-max-message-length</c>, so the two can never disagree.
    /// </summary>
    public const int MaxMessageLength = int.MaxValue;
}
