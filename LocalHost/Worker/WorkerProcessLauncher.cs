using System.Collections.Concurrent;
using System.Diagnostics;

namespace Collab.LocalHost.Worker;

/// <summary>
/// Starts worker processes so that they never outlive the host, even when it is killed with SIGKILL: on Linux each
/// worker runs under <c>setpriv --pdeathsig KILL</c>, which has the kernel kill it when its parent dies.
/// </summary>
/// <remarks>
/// The parent-death signal follows the <em>thread</em> that forked the child, and .NET retires idle thread-pool
/// threads, which would kill a healthy worker. So every start happens on one dedicated thread that lives as long as
/// this launcher.
/// </remarks>
public sealed class WorkerProcessLauncher : IDisposable
{
    private const string SetPriv = "/usr/bin/setpriv";
    private readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Started)> _requests = new();
    private readonly Thread _thread;

    /// <summary>Starts the launcher's thread.</summary>
    public WorkerProcessLauncher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "worker-launcher" };
        _thread.Start();
    }

    /// <summary>Whether workers are tied to the host's life by the kernel (Linux with <c>setpriv</c>).</summary>
    public static bool TiesWorkerToHost => OperatingSystem.IsLinux() && File.Exists(SetPriv);

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> on the launcher's thread.</summary>
    public Task<Process> StartAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var start = TiesWorkerToHost
            ? new ProcessStartInfo(SetPriv, ["--pdeathsig", "KILL", "--", fileName, .. arguments])
            : new ProcessStartInfo(fileName, arguments);
        start.WorkingDirectory = workingDirectory;
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((start, started));
        return started.Task;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _requests.Dispose();
    }

    private void Run()
    {
        foreach (var (start, started) in _requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start."));
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}
