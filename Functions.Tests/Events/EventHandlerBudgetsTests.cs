using Collab.Functions.Hub;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Collab.Functions.Tests.Events;

/// <summary>The event handler's in-memory limits keep to their budgets and eviction rules (stated in their XML docs).</summary>
public sealed class EventHandlerBudgetsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void OperationBucket_AllowsTheBurst_ThenTheRate()
    {
        var limiter = Limiter(rate: 2, burst: 3, budget: 100);

        Assert.All(Enumerable.Range(0, 3), _ => Assert.Null(limiter.TryTake("c1")));
        var wait = limiter.TryTake("c1");
        Assert.Equal(TimeSpan.FromSeconds(0.5), wait);
        Assert.Null(limiter.TryTake("c2"));

        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Null(limiter.TryTake("c1"));
        Assert.NotNull(limiter.TryTake("c1"));
    }

    [Fact]
    public void OperationBuckets_StayWithinTheBudget_DroppingIdleOnesFirst_AndForgetDisconnected()
    {
        var limiter = Limiter(rate: 1, burst: 2, budget: 100);
        foreach (var i in Enumerable.Range(0, 100))
        {
            limiter.TryTake("idle" + i);
        }

        // Full again after two seconds: forgetting them changes nothing.
        _time.Advance(TimeSpan.FromSeconds(2));
        limiter.TryTake("busy0");
        Assert.Equal(1, limiter.Count);

        foreach (var i in Enumerable.Range(1, 150))
        {
            limiter.TryTake("busy" + i);
            Assert.InRange(limiter.Count, 1, 100);
        }

        limiter.Forget("busy150");
        Assert.Null(limiter.TryTake("busy150"));
        Assert.Null(limiter.TryTake("busy150"));
    }

    [Fact]
    public void RecentAdmissions_CountTowardsTheCap_UntilListedExpiredOrForgotten()
    {
        var admissions = new RecentAdmissions(_time);

        Assert.Null(admissions.TryAdmit("b1", "u1", "c1", [], cap: 2));
        Assert.Null(admissions.TryAdmit("b1", "u1", "c2", [], cap: 2));
        Assert.Equal(2, admissions.TryAdmit("b1", "u1", "c3", [], cap: 2));
        // Another user, another board, and a connection both listed and remembered counted once.
        Assert.Null(admissions.TryAdmit("b1", "u2", "c4", [], cap: 2));
        Assert.Null(admissions.TryAdmit("b2", "u1", "c5", [], cap: 2));
        Assert.Equal(2, admissions.TryAdmit("b1", "u1", "c3", ["c1", "c2"], cap: 2));

        admissions.Forget("b1", "c1");
        Assert.Null(admissions.TryAdmit("b1", "u1", "c3", [], cap: 2));

        _time.Advance(RecentAdmissions.Memory + TimeSpan.FromSeconds(1));
        Assert.Null(admissions.TryAdmit("b1", "u1", "c6", [], cap: 1));
    }

    private OperationRateLimiter Limiter(int rate, int burst, int budget) =>
        new(Options.Create(new EventHandlerOptions { OperationsPerSecond = rate, OperationBurst = burst, TrackedConnections = budget }), _time);
}
