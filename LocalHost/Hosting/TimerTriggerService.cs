using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Collab.LocalHost.Metadata;
using Collab.LocalHost.Rpc;
using Collab.LocalHost.Worker;
using NCrontab;

namespace Collab.LocalHost.Hosting;

/// <summary>
/// Runs non-HTTP functions in the worker: timer triggers on their NCRONTAB schedules (six fields, seconds first,
/// <c>%setting%</c> resolved), and any of them on demand through <c>POST /admin/functions/{name}</c>, as Core Tools
/// does. A function runs one invocation at a time; an on-demand request while one is already waiting joins it.
/// The input is the WebJobs <c>TimerInfo</c> as JSON (<c>../shared/protocols/functions-host-grpc.md</c> §4).
/// </summary>
public sealed class TimerTriggerService(WorkerSupervisor worker, IConfiguration configuration, TimeProvider time, ILogger<TimerTriggerService> logger)
    : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null };

    // One gate and one waiting-run flag per timer function: bounded by the functions the worker declares.
    private readonly ConcurrentDictionary<string, (SemaphoreSlim Gate, StrongBox<int> Waiting)> _runs = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Parses a schedule, resolving <c>%setting%</c>; throws at start-up when it is not valid.</summary>
    /// <exception cref="InvalidOperationException">A setting is missing.</exception>
    /// <exception cref="CrontabException">The schedule is not a six-field NCRONTAB expression.</exception>
    public static CrontabSchedule Parse(string schedule, IConfiguration configuration) =>
        CrontabSchedule.Parse(BindingExpression.Resolve(schedule, null, configuration), new CrontabSchedule.ParseOptions { IncludingSeconds = true });

    /// <summary>Queues a run of <paramref name="function"/> with <c>IsPastDue</c> false, without waiting for it.</summary>
    public void RunOnDemand(DeclaredFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var (_, waiting) = Runs(function.Name);
        if (Interlocked.CompareExchange(ref waiting.Value, 1, 0) == 0)
        {
            _ = RunAsync(function.Name, pastDue: false, last: null, next: null, onDemand: true, CancellationToken.None);
        }
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(worker.Functions.Values.Where(f => f.Trigger.Type == "timerTrigger")
            .Select(f => ScheduleAsync(f, Parse(f.Trigger.Schedule!, configuration), stoppingToken)));

    private async Task ScheduleAsync(DeclaredFunction function, CrontabSchedule schedule, CancellationToken stoppingToken)
    {
        DateTime? last = null;
        var next = schedule.GetNextOccurrence(time.GetUtcNow().UtcDateTime);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = next - time.GetUtcNow().UtcDateTime;
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = time.GetUtcNow().UtcDateTime;
            var following = schedule.GetNextOccurrence(now);
            // Past due when a later occurrence than this one has already gone by: a run was missed.
            var pastDue = schedule.GetNextOccurrence(next) < now;
            await RunAsync(function.Name, pastDue, last, following, onDemand: false, stoppingToken);
            last = next;
            next = schedule.GetNextOccurrence(time.GetUtcNow().UtcDateTime);
        }
    }

    private async Task RunAsync(string name, bool pastDue, DateTime? last, DateTime? next, bool onDemand, CancellationToken cancellationToken)
    {
        var (gate, waiting) = Runs(name);
        try
        {
            await gate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (onDemand)
            {
                Volatile.Write(ref waiting.Value, 0);
            }

            if (worker.Current is not { } session || !session.Functions.TryGetValue(name, out var function))
            {
                logger.LogWarning("Timer function {Function} skipped: the worker is not ready", name);
                return;
            }

            var response = await session.InvokeAsync(Request(function, pastDue, last, next), cancellationToken);
            if (response.Result?.Status == StatusResult.Types.Status.Success)
            {
                logger.LogInformation("Function {Function} ran ({Trigger}, past due: {PastDue})", name, onDemand ? "on demand" : "on schedule", pastDue);
            }
            else
            {
                // A failed run is logged and the schedule goes on, as on the host.
                logger.LogError("Function {Function} failed: {Error}", name, InvocationFailure.Describe(response.Result));
            }
        }
        catch (Exception ex) when (ex is WorkerUnavailableException or OperationCanceledException)
        {
            logger.LogWarning("Function {Function} did not run to the end: {Error}", name, ex.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    private (SemaphoreSlim Gate, StrongBox<int> Waiting) Runs(string name) => _runs.GetOrAdd(name, _ => (new SemaphoreSlim(1, 1), new StrongBox<int>()));

    private static InvocationRequest Request(DeclaredFunction function, bool pastDue, DateTime? last, DateTime? next)
    {
        var now = DateTime.UtcNow;
        var timerInfo = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = next is null ? null : new { Last = last ?? DateTime.MinValue, Next = next, LastUpdated = now },
            IsPastDue = pastDue,
        }, Json);
        return new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            InputData = { new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Json = timerInfo } } },
            TriggerMetadata = { ["TimerTrigger"] = new TypedData { String = now.ToString(CultureInfo.InvariantCulture) } },
            TraceContext = TraceContexts.Current(),
        };
    }
}
