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
/// does. A function runs one invocation at a time, within <c>functionTimeout</c>; an on-demand request while one is
/// already waiting joins it.
/// The input is the WebJobs <c>TimerInfo</c> as JSON (<c>../shared/protocols/functions-host-grpc.md</c> §4).
/// </summary>
public sealed class TimerTriggerService(WorkerSupervisor worker, IConfiguration configuration, HostJson hostJson, TimeProvider time, ILogger<TimerTriggerService> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null };
    private readonly CancellationTokenSource _stopping = new();

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
            _ = RunAsync(function.Name, last: null, next: null, onDemand: true, _stopping.Token);
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // On-demand runs end with the host too.
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(worker.Functions.Values.Where(f => f.Trigger.Type == "timerTrigger")
            .Select(f => ScheduleAsync(f, Parse(f.Trigger.Schedule!, configuration), stoppingToken)));

    private async Task ScheduleAsync(DeclaredFunction function, CrontabSchedule schedule, CancellationToken stoppingToken)
    {
        // Schedules are in the host's local time zone (TZ, WEBSITE_TIME_ZONE on Azure), as the host reads them.
        DateTime? last = null;
        var next = schedule.GetNextOccurrence(time.GetLocalNow().DateTime);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A timer may wake early, and one wait may not exceed ~49 days: wait in capped steps until it is time.
                for (var now = time.GetLocalNow().DateTime; now < next; now = time.GetLocalNow().DateTime)
                {
                    await Task.Delay(Min(next - now, MaxWait), time, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var following = schedule.GetNextOccurrence(next);
            await RunAsync(function.Name, last, following, onDemand: false, stoppingToken);
            last = next;
            // A run longer than the interval skips the occurrences it overlapped, as the host does.
            next = schedule.GetNextOccurrence(Max(time.GetLocalNow().DateTime, next));
        }
    }

    private async Task RunAsync(string name, DateTime? last, DateTime? next, bool onDemand, CancellationToken cancellationToken)
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

            var request = Request(function, last, next);
            using var activity = HostTelemetry.StartInvocation(name, "timer", request.InvocationId);
            activity?.SetTag("collab.timer.on_demand", onDemand);
            request.TraceContext = TraceContexts.Current();
            var response = await session.InvokeAsync(request, hostJson.FunctionTimeout, cancellationToken);
            if (response.Result?.Status == StatusResult.Types.Status.Success)
            {
                logger.LogInformation("Function {Function} ran ({Trigger})", name, onDemand ? "on demand" : "on schedule");
            }
            else
            {
                // A failed run is logged and the schedule goes on, as on the host.
                logger.LogError("Function {Function} failed: {Error}", name, InvocationFailure.Describe(response.Result));
                HostTelemetry.Fail(activity, "the function failed");
            }
        }
        catch (FunctionTimeoutException)
        {
            logger.LogError("Timeout value of {Timeout} exceeded by function '{Function}'. Initiating cancellation.", hostJson.FunctionTimeout, name);
        }
        catch (Exception ex) when (ex is WorkerUnavailableException or OperationCanceledException)
        {
            logger.LogWarning("Function {Function} did not run to the end: {Error}", name, ex.Message);
        }
        catch (Exception ex)
        {
            // Runs are not awaited by anyone who could report a failure: log it, and the schedule goes on.
            logger.LogError(ex, "Function {Function} could not be invoked", name);
        }
        finally
        {
            gate.Release();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private (SemaphoreSlim Gate, StrongBox<int> Waiting) Runs(string name) => _runs.GetOrAdd(name, _ => (new SemaphoreSlim(1, 1), new StrongBox<int>()));

    // IsPastDue is always false: the host sets it only when a monitored schedule (whose status it keeps in storage)
    // missed a run while the app was down, and this host keeps no schedule status.
    private InvocationRequest Request(DeclaredFunction function, DateTime? last, DateTime? next)
    {
        var now = time.GetLocalNow().DateTime;
        var timerInfo = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = next is null ? null : new { Last = last ?? DateTime.MinValue, Next = next, LastUpdated = now },
            IsPastDue = false,
        }, Json);
        return new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            InputData = { new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Json = timerInfo } } },
            TriggerMetadata = { ["TimerTrigger"] = new TypedData { String = now.ToString(CultureInfo.InvariantCulture) } },
        };
    }
}
