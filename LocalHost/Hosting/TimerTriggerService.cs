using NCrontab;

namespace Collab.LocalHost.Hosting;

/// <summary>Fires timer-triggered functions on their NCRONTAB schedules (six fields, seconds first), as the host does.</summary>
public sealed class TimerTriggerService(IEnumerable<FunctionInvoker> invokers, IServiceProvider services, IConfiguration configuration, TimeProvider time, ILogger<TimerTriggerService> logger)
    : BackgroundService
{
    /// <summary>Parses a schedule, resolving <c>%setting%</c>; throws at start-up when it is not valid.</summary>
    public static CrontabSchedule Parse(string schedule, IConfiguration configuration) =>
        CrontabSchedule.Parse(BindingExpression.Resolve(schedule, null, configuration), new CrontabSchedule.ParseOptions { IncludingSeconds = true });

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timers = invokers.Where(i => i.Function.Trigger.Type == "timerTrigger")
            .Select(i => RunAsync(i, Parse(i.Function.Trigger.Schedule!, configuration), stoppingToken))
            .ToList();
        return Task.WhenAll(timers);
    }

    private async Task RunAsync(FunctionInvoker invoker, CrontabSchedule schedule, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var next = schedule.GetNextOccurrence(now);
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                using var scope = services.CreateScope();
                await invoker.InvokeTimerAsync(scope.ServiceProvider, stoppingToken);
                logger.LogInformation("Timer function {Function} ran", invoker.Function.Name);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed run is logged and the schedule goes on, as on the host.
                logger.LogError(ex, "Timer function {Function} failed", invoker.Function.Name);
            }
        }
    }
}
