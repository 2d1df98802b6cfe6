using System.Diagnostics;
using System.Globalization;
using Collab.LocalHost.Metadata;
using Collab.LocalHost.Rpc;
using Google.Protobuf.WellKnownTypes;

namespace Collab.LocalHost.Worker;

/// <summary>
/// One running worker process, started and initialised as the Functions host does it
/// (<c>../shared/protocols/functions-host-grpc.md</c> §1–2): launch with the host's arguments, <c>StartStream</c>,
/// <c>WorkerInitRequest</c>, <c>FunctionsMetadataRequest</c> (worker indexing), one <c>FunctionLoadRequest</c> per
/// function. Any step that fails or times out stops the start with the worker's own message.
/// </summary>
public sealed class WorkerSession : IAsyncDisposable
{
    /// <summary>The host version announced to the worker: a 4.x host, as on Azure.</summary>
    public const string HostVersion = "4.1040.0.0";

    private const int OutputLines = 40;
    private readonly Process _process;
    private readonly WorkerChannel _channel;
    private readonly TimeSpan _terminateGrace;
    private readonly Queue<string> _output = new();
    private readonly ILogger _logger;

    private WorkerSession(Process process, WorkerChannel channel, TimeSpan terminateGrace, ILogger logger)
    {
        _process = process;
        _channel = channel;
        _terminateGrace = terminateGrace;
        _logger = logger;
    }

    /// <summary>How long a cancelled invocation that ran out of time may take to end before the worker is recycled (the host's default grace).</summary>
    public static readonly TimeSpan TimeoutGrace = TimeSpan.FromSeconds(2);

    /// <summary>The worker's ASP.NET Core endpoint (its <c>HttpUri</c> capability), where HTTP requests are forwarded.</summary>
    public Uri HttpUri { get; private set; } = null!;

    /// <summary>The loaded functions, by name.</summary>
    public IReadOnlyDictionary<string, DeclaredFunction> Functions { get; private set; } = new Dictionary<string, DeclaredFunction>();

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Completes with the exit code when the worker process exits.</summary>
    public Task<int> Exited { get; private set; } = null!;

    /// <summary>Starts a worker and waits until every function is loaded.</summary>
    /// <exception cref="WorkerStartException">A step failed or timed out; the message carries the worker's own error.</exception>
    public static async Task<WorkerSession> StartAsync(WorkerOptions options, Uri rpcUri, WorkerChannels channels, WorkerProcessLauncher launcher, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rpcUri);
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var directory = Path.GetFullPath(options.FunctionAppDirectory);
        var assembly = Path.Combine(directory, WorkerConfig.ReadWorkerPath(directory));
        if (!File.Exists(assembly))
        {
            throw new WorkerStartException($"{assembly} does not exist: build the Function App first (dotnet build Functions -c Release).");
        }

        var channel = new WorkerChannel(workerId, loggers);
        channels.Expect(channel);

        var host = rpcUri.Host;
        var port = rpcUri.Port.ToString(CultureInfo.InvariantCulture);
        var maxLength = WorkerOptions.MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        string[] arguments =
        [
            assembly,
            "--host", host, "--port", port, "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", maxLength,
            "--functions-uri", rpcUri.AbsoluteUri, "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", maxLength,
        ];
        Process process;
        try
        {
            process = await launcher.StartAsync("dotnet", arguments, directory, WorkerEnvironment(options.Settings, directory));
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or ObjectDisposedException)
        {
            channels.Forget(workerId);
            throw new WorkerStartException($"The worker could not be launched: {ex.Message}");
        }

        var session = new WorkerSession(process, channel, options.TerminateGrace, loggers.CreateLogger<WorkerSession>());
        var logger = loggers.CreateLogger("Worker.Console");
        session.Exited = session.WatchAsync(logger);
        try
        {
            await session.StepAsync(channel.Connected, "connect to the host", options.StartTimeout, cancellationToken);
            var init = await session.RequestAsync(WorkerChannel.Keys.Init, new StreamingMessage
            {
                RequestId = requestId,
                WorkerInitRequest = new WorkerInitRequest
                {
                    HostVersion = HostVersion,
                    WorkerDirectory = directory,
                    FunctionAppDirectory = directory,
                    Capabilities = { ["HandlesWorkerTerminateMessage"] = "true" },
                },
            }, "initialise", options.StartTimeout, cancellationToken);
            session.ThrowOnFailure(init.WorkerInitResponse.Result, "initialise");
            session.HttpUri = init.WorkerInitResponse.Capabilities.TryGetValue("HttpUri", out var httpUri) && Uri.TryCreate(httpUri, UriKind.Absolute, out var uri)
                ? uri
                : throw new WorkerStartException("The worker did not announce an HttpUri: the Function App must use ASP.NET Core integration (ConfigureFunctionsWebApplication).");
            // Requests carry the caller's cookies and principal: they go to a loopback port or nowhere.
            if (!uri.IsLoopback)
            {
                throw new WorkerStartException($"The worker announced HttpUri {uri}, which is not a loopback address; the host forwards requests only to loopback.");
            }

            var metadata = await session.RequestAsync(WorkerChannel.Keys.Metadata, new StreamingMessage
            {
                RequestId = requestId,
                FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = directory },
            }, "index its functions", options.StartTimeout, cancellationToken);
            session.ThrowOnFailure(metadata.FunctionMetadataResponse.Result, "index its functions");
            if (metadata.FunctionMetadataResponse.UseDefaultMetadataIndexing)
            {
                throw new WorkerStartException("The worker asks the host to index functions.metadata itself; this host supports worker indexing only.");
            }

            IReadOnlyList<DeclaredFunction> functions;
            try
            {
                functions = FunctionsMetadataReader.Read(metadata.FunctionMetadataResponse);
            }
            catch (InvalidOperationException ex)
            {
                throw new WorkerStartException(ex.Message);
            }

            foreach (var function in metadata.FunctionMetadataResponse.FunctionMetadataResults)
            {
                var loaded = await session.RequestAsync(WorkerChannel.Keys.Load(function.FunctionId), new StreamingMessage
                {
                    RequestId = requestId,
                    FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
                }, $"load function '{function.Name}'", options.StartTimeout, cancellationToken);
                session.ThrowOnFailure(loaded.FunctionLoadResponse.Result, $"load function '{function.Name}'");
            }

            session.Functions = functions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
            return session;
        }
        catch
        {
            channels.Forget(workerId);
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends an invocation and waits for its response. <paramref name="cancellationToken"/> (the client went away)
    /// sends <c>InvocationCancel</c>. <paramref name="timeout"/> (<c>functionTimeout</c>) belongs to the invocation,
    /// not to the caller: when it passes, the invocation is cancelled and, if it has not ended within
    /// <see cref="TimeoutGrace"/>, the worker is killed so the supervisor starts another, as the host does.
    /// </summary>
    /// <exception cref="WorkerUnavailableException">The worker went away first.</exception>
    /// <exception cref="FunctionTimeoutException">The invocation ran out of time.</exception>
    /// <exception cref="OperationCanceledException">The caller stopped waiting.</exception>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.InvocationId;
        var answer = Observed(_channel.RequestAsync(WorkerChannel.Keys.Invocation(id), new StreamingMessage { InvocationRequest = request }, CancellationToken.None));
        using var cancel = cancellationToken.Register(() => Cancel(id));
        if (timeout is not { } limit)
        {
            return (await answer.WaitAsync(cancellationToken)).InvocationResponse;
        }

        var timedOut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = EnforceTimeoutAsync(answer, limit, id, timedOut);
        if (await Task.WhenAny(answer, timedOut.Task).WaitAsync(cancellationToken) != answer)
        {
            throw new FunctionTimeoutException($"Timeout value of {limit} exceeded by invocation {id}.");
        }

        return (await answer).InvocationResponse;
    }

    /// <summary>Asks the worker to cancel an invocation (its client went away, or it ran out of time).</summary>
    public void Cancel(string invocationId)
    {
        try
        {
            _channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });
        }
        catch (WorkerUnavailableException)
        {
            // Nothing left to cancel.
        }
    }

    /// <summary>Kills the worker process at once (a hung invocation); the supervisor starts another.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }
    }

    /// <summary>Stops the worker: <c>WorkerTerminate</c>, then a kill if it has not exited within the grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(_terminateGrace) } });
            }
            catch (WorkerUnavailableException)
            {
                // The stream is gone; the kill below ends the process.
            }

            try
            {
                await _process.WaitForExitAsync().WaitAsync(_terminateGrace);
            }
            catch (TimeoutException)
            {
                Kill();
            }
        }

        _channel.Complete();
        await Exited.ConfigureAwait(false);
        _process.Dispose();
    }

    // Task.WaitAsync(TimeSpan) releases its timer as soon as the answer arrives, so a pending watch costs nothing
    // once its invocation has ended.
    private async Task EnforceTimeoutAsync(Task<StreamingMessage> answer, TimeSpan timeout, string invocationId, TaskCompletionSource timedOut)
    {
        try
        {
            await answer.WaitAsync(timeout);
            return;
        }
        catch (TimeoutException)
        {
            // The caller logs the timeout with the function's name.
        }
        catch (WorkerUnavailableException)
        {
            return;
        }

        timedOut.TrySetResult();
        Cancel(invocationId);
        try
        {
            await answer.WaitAsync(TimeoutGrace);
        }
        catch (TimeoutException)
        {
            _logger.LogError("A function timeout has occurred. Restarting worker process {ProcessId} executing invocation {InvocationId}", ProcessId, invocationId);
            Kill();
        }
        catch (WorkerUnavailableException)
        {
            // The worker is already gone.
        }
    }

    // An answer nobody awaits any more (the caller left, a start-up step timed out) still fails when the stream
    // ends; observing it keeps that from surfacing as an unobserved task exception.
    private static Task<StreamingMessage> Observed(Task<StreamingMessage> answer)
    {
        answer.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return answer;
    }

    /// <summary>The last lines the worker wrote to its console, for a start-up error.</summary>
    private string RecentOutput()
    {
        lock (_output)
        {
            return _output.Count == 0 ? "" : System.Environment.NewLine + string.Join(System.Environment.NewLine, _output);
        }
    }

    private async Task<int> WatchAsync(ILogger logger)
    {
        await Task.WhenAll(PumpAsync(_process.StandardOutput, logger, LogLevel.Information), PumpAsync(_process.StandardError, logger, LogLevel.Warning));
        await _process.WaitForExitAsync();
        _channel.Complete();
        return _process.ExitCode;
    }

    private async Task PumpAsync(StreamReader reader, ILogger logger, LogLevel level)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_output)
            {
                _output.Enqueue(line);
                if (_output.Count > OutputLines)
                {
                    _output.Dequeue();
                }
            }

            logger.Log(level, "{Line}", line);
        }
    }

    private async Task<StreamingMessage> RequestAsync(string key, StreamingMessage message, string step, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = Observed(_channel.RequestAsync(key, message, cancellationToken));
        await StepAsync(answer, step, timeout, cancellationToken);
        return await answer;
    }

    private async Task StepAsync(Task step, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            // WaitAsync releases its timer when the step ends, so a fast start leaves no 30 s timers behind.
            if (await Task.WhenAny(step, Exited).WaitAsync(timeout, cancellationToken) == step && step.IsCompletedSuccessfully)
            {
                return;
            }
        }
        catch (TimeoutException)
        {
            throw new WorkerStartException($"The worker did not {name} within {timeout.TotalSeconds:0} s.{RecentOutput()}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Exited.IsCompleted || step.IsFaulted)
        {
            try
            {
                var code = await Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                throw new WorkerStartException($"The worker exited with code {code} before it could {name}.{RecentOutput()}");
            }
            catch (TimeoutException)
            {
                throw new WorkerStartException($"The worker's stream ended before it could {name}.{RecentOutput()}");
            }
        }

        throw new WorkerStartException($"The worker could not {name}.{RecentOutput()}");
    }

    private void ThrowOnFailure(StatusResult? result, string step)
    {
        if (result is { Status: StatusResult.Types.Status.Success })
        {
            return;
        }

        throw new WorkerStartException($"The worker failed to {step}: {InvocationFailure.Describe(result)}{RecentOutput()}");
    }

    private static Dictionary<string, string?> WorkerEnvironment(IReadOnlyDictionary<string, string?> settings, string directory)
    {
        var inherited = System.Environment.GetEnvironmentVariables();
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in settings)
        {
            var variable = name.Replace(":", "__", StringComparison.Ordinal);
            if (!inherited.Contains(variable) && !inherited.Contains(name))
            {
                environment[variable] = value;
            }
        }

        environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        environment["FUNCTIONS_APPLICATION_DIRECTORY"] = directory;
        environment["FUNCTIONS_WORKER_DIRECTORY"] = directory;
        return environment;
    }
}
