using Kith.Core.Analytics;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using static Kith.Core.Tests.Analytics.AnalyticsKit;

namespace Kith.Core.Tests.Analytics;

public sealed class FunnelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// access → like → purchase within 7 days of entering, in January 2026. By hand:
    /// Ann: access 1 Jan, like 2 Jan, purchase 5 Jan: all three steps.
    /// Bea: access 3 Jan, purchase 4 Jan, like 6 Jan: the purchase came before the like, so two steps.
    /// Cal: like 2 Jan, access 3 Jan: the like came before entering, so one step.
    /// Dan: access 1 Jan, like 10 Jan: the like is 9 days later, outside the window; one step.
    /// Eve: access 31 Dec (before the period), like 2 Jan, access 20 Jan, like 21 Jan, purchase 29 Jan (9 days after entering): two steps.
    /// Gus is deleted. Steps: 5, 3, 1. The agent owns Ann and Cal: 2, 1, 1.
    /// </summary>
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task StepsCountCustomersWhoDidEachTypeInOrderWithinTheWindow(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var ann = await kit.CustomerAsync(agent, "Ann");
        var bea = await kit.CustomerAsync(admin, "Bea");
        var cal = await kit.CustomerAsync(agent, "Cal");
        var dan = await kit.CustomerAsync(admin, "Dan");
        var eve = await kit.CustomerAsync(admin, "Eve");
        var gus = await kit.CustomerAsync(admin, "Gus", deleted: true);
        await kit.EventAsync(ann, "access", At(2026, 1, 1, 10));
        await kit.EventAsync(ann, "like", At(2026, 1, 2));
        await kit.EventAsync(ann, "purchase", At(2026, 1, 5));
        await kit.EventAsync(bea, "access", At(2026, 1, 3));
        await kit.EventAsync(bea, "purchase", At(2026, 1, 4));
        await kit.EventAsync(bea, "like", At(2026, 1, 6));
        await kit.EventAsync(cal, "like", At(2026, 1, 2));
        await kit.EventAsync(cal, "access", At(2026, 1, 3));
        await kit.EventAsync(dan, "access", At(2026, 1, 1));
        await kit.EventAsync(dan, "like", At(2026, 1, 10));
        await kit.EventAsync(eve, "access", At(2025, 12, 31));
        await kit.EventAsync(eve, "like", At(2026, 1, 2));
        await kit.EventAsync(eve, "access", At(2026, 1, 20));
        await kit.EventAsync(eve, "like", At(2026, 1, 21));
        await kit.EventAsync(eve, "purchase", At(2026, 1, 29));
        await kit.EventAsync(gus, "access", At(2026, 1, 1));
        var january = new AnalysisPeriod(At(2026, 1, 1), At(2026, 2, 1));
        var steps = Funnel.ParseSteps("access, Like,purchase");

        var all = await kit.RunAsync<Funnel, FunnelResult>(f => f.HandleAsync(admin, steps, 7, january, Ct));
        Assert.Equal(new[] { ("access", 5L), ("like", 3L), ("purchase", 1L) }, all.Steps.Select(s => (s.Type, s.Customers)));
        Assert.Equal(new[] { 1, 0.6, 0.3333 }, all.Steps.Select(s => s.FromPrevious));
        Assert.Equal(new[] { 1, 0.6, 0.2 }, all.Steps.Select(s => s.FromFirst));
        var mine = await kit.RunAsync<Funnel, FunnelResult>(f => f.HandleAsync(agent, steps, 7, january, Ct));
        Assert.Equal(new long[] { 2, 1, 1 }, mine.Steps.Select(s => s.Customers));
        // A window long enough for Dan's like and Eve's purchase.
        var wide = await kit.RunAsync<Funnel, FunnelResult>(f => f.HandleAsync(admin, steps, 10, january, Ct));
        Assert.Equal(new long[] { 5, 4, 2 }, wide.Steps.Select(s => s.Customers));
    }

    [Fact]
    public void BadStepsOrWindowsAreRefusedByName()
    {
        Assert.Contains("steps", Assert.Throws<RuleViolation>(() => Funnel.ParseSteps("access")).Errors.Keys);
        Assert.Contains("steps", Assert.Throws<RuleViolation>(() => Funnel.ParseSteps(null)).Errors.Keys);
        Assert.Contains("windowDays", Assert.Throws<RuleViolation>(() => Funnel.ParseWindow("0")).Errors.Keys);
        Assert.Contains("windowDays", Assert.Throws<RuleViolation>(() => Funnel.ParseWindow("a week")).Errors.Keys);
        Assert.Equal(30, Funnel.ParseWindow(null));
    }
}
