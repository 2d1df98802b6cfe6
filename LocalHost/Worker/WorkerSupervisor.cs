namespace Collab.LocalHost.Worker;

/// <summary>
/// Keeps one worker running: starts it, and when it exits (a crash, or a kill), logs its exit code and starts
/// another after a growing delay, until the host stops. <see cref="Current"/> is null while no worker is ready, and
/// requests then get 503 with <c>Retry-After</c>.
/// </summary>
public sealed class WorkerSupervisor : IAsyncDisposable
{
    private readonly WorkerOptions _options;
    private readonly Func<Uri> _rpcUri;
    private readonly WorkerChannels _channels;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly WorkerProcessLauncher _launcher = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile WorkerSession? _current;
    private Task _supervising = Task.CompletedTask;

    /// <summary>A supervisor for the worker <paramref name="options"/> describe, connecting to the gRPC server at <paramref name="rpcUri"/>.</summary>
    public WorkerSupervisor(WorkerOptions options, Func<Uri> rpcUri, WorkerChannels channels, ILoggerFactory loggers)
    {
        _options = options;
        _rpcUri = rpcUri;
        _channels = channels;
        _loggers = loggers;
        _logger = loggers.CreateLogger<WorkerSupervisor>();
    }

    /// <summary>The ready worker, or null while it is being (re)started.</summary>
    public WorkerSession? Current => _current;

    /// <summary>The worker's functions; the same after every restart, because the binary does not change.</summary>
    public IReadOnlyDictionary<string, Metadata.DeclaredFunction> Functions { get; private set; } = new Dictionary<string, Metadata.DeclaredFunction>();

    /// <summary>Starts the first worker; a failure stops the host's start-up.</summary>
    /// <exception cref="WorkerStartException">The worker did not start.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var session = await WorkerSession.StartAsync(_options, _rpcUri(), _channels, _launcher, _loggers, cancellationToken);
        Functions = session.Functions;
        _current = session;
        _logger.LogInformation("Worker {ProcessId} loaded {Count} functions; HTTP at {HttpUri}", session.ProcessId, session.Functions.Count, session.HttpUri);
        _supervising = SuperviseAsync(session);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _supervising;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        if (_current is { } session)
        {
            _current = null;
            await session.DisposeAsync();
        }

        _launcher.Dispose();
        _stopping.Dispose();
    }

    private async Task SuperviseAsync(WorkerSession session)
    {
        if (!WorkerProcessLauncher.TiesWorkerToHost)
        {
            _logger.LogWarning("setpriv is not available: a worker may outlive this host if the host is killed with SIGKILL");
        }

        while (true)
        {
            var exitCode = await session.Exited.WaitAsync(_stopping.Token);
            _current = null;
            _logger.LogError("Worker {ProcessId} exited with code {ExitCode}; restarting it", session.ProcessId, exitCode);
            await session.DisposeAsync();
            session = await RestartAsync();
            _current = session;
        }
    }

    private async Task<WorkerSession> RestartAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            await Task.Delay(_options.RestartDelays[Math.Min(attempt, _options.RestartDelays.Count - 1)], _stopping.Token);
            try
            {
                var session = await WorkerSession.StartAsync(_options, _rpcUri(), _channels, _launcher, _loggers, _stopping.Token);
                _logger.LogInformation("Worker {ProcessId} restarted after {Attempts} attempt(s)", session.ProcessId, attempt + 1);
                return session;
            }
            catch (WorkerStartException ex)
            {
                _logger.LogError("Worker restart {Attempt} failed: {Error}", attempt + 1, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Supervision must outlive any one failed start, or the host would answer 503 forever.
                _logger.LogError(ex, "Worker restart {Attempt} failed", attempt + 1);
            }
        }
    }
}
