using Kith.Core.Analytics;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Kith.Core.Tests.Analytics.AnalyticsKit;

namespace Kith.Core.Tests.Analytics;

public sealed class RfmTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly AnalysisPeriod JanuaryAndFebruary = new(At(2026, 1, 1), At(2026, 3, 1));

    /// <summary>
    /// Five buyers, so each quintile holds one of them. By hand, with the period ending 1 March 2026:
    /// <code>
    ///      last purchase  recency  purchases  revenue   R F M  segment
    /// Ann  25 Feb          4       3          200       4 4 4  loyal
    /// Bo    5 Jan         55       1         1000       1 1 5  lost
    /// Cy   28 Feb 12:00    0       1           10       5 2 1  potential_loyalist
    /// Di   20 Jan         40       2           40       2 3 2  at_risk
    /// Ed    4 Feb         25       4          120       3 5 3  loyal
    /// </code>
    /// Bo and Cy both bought once; the tie goes to the older customer id, so Bo gets F=1 and Cy F=2.
    /// </summary>
    private static async Task<(AccessScope Admin, AccessScope Agent, long[] Ids)> HandCaseAsync(AnalyticsKit kit)
    {
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var ann = await kit.CustomerAsync(agent, "Ann");
        var bo = await kit.CustomerAsync(agent, "Bo");
        var cy = await kit.CustomerAsync(admin, "Cy");
        var di = await kit.CustomerAsync(admin, "Di");
        var ed = await kit.CustomerAsync(admin, "Ed");
        await kit.PurchaseAsync(ann, At(2026, 2, 25), 100);
        await kit.PurchaseAsync(ann, At(2026, 2, 20), 50);
        await kit.PurchaseAsync(ann, At(2026, 2, 10), 50);
        await kit.PurchaseAsync(bo, At(2026, 1, 5), 1000);
        await kit.PurchaseAsync(cy, At(2026, 2, 28, 12), 10);
        await kit.PurchaseAsync(di, At(2026, 1, 10), 20);
        await kit.PurchaseAsync(di, At(2026, 1, 20), 20);
        foreach (var day in new[] { 1, 2, 3, 4 }) await kit.PurchaseAsync(ed, At(2026, 2, day), 30);
        // Out of the analysis: a purchase outside the period, a deleted customer, the tombstone of a merge.
        var early = await kit.CustomerAsync(admin, "Early");
        await kit.PurchaseAsync(early, At(2025, 12, 31, 23, 59), 5000);
        await kit.PurchaseAsync(ann, At(2026, 3, 1), 5000);
        var gone = await kit.CustomerAsync(admin, "Gone", deleted: true);
        await kit.PurchaseAsync(gone, At(2026, 2, 1), 5000);
        var merged = await kit.CustomerAsync(admin, "Merged", mergedInto: ed);
        await kit.PurchaseAsync(merged, At(2026, 2, 1), 5000);
        return (admin, agent, [ann, bo, cy, di, ed]);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RecomputeStoresScoresAndSegmentsThatMatchTheHandComputedCase(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var (admin, _, ids) = await HandCaseAsync(kit);
        var progress = new List<RfmProgress>();
        var done = await kit.RunAsync<Rfm, RfmRecomputed>(r => r.RecomputeAsync(admin, JanuaryAndFebruary, new SyncProgress<RfmProgress>(progress.Add), Ct));

        Assert.Equal(5, done.Customers);
        Assert.Equal(RfmPhase.Done, progress[^1].Phase);
        await using var db = kit.Database.Open();
        var rows = await db.CustomerRfm.AsNoTracking().OrderBy(r => r.CustomerId).ToListAsync(Ct);
        Assert.Equal(ids, rows.Select(r => r.CustomerId));
        Assert.Equal(new[] { (4, 4, 4), (1, 1, 5), (5, 2, 1), (2, 3, 2), (3, 5, 3) }, rows.Select(r => (r.R, r.F, r.M)));
        Assert.Equal(new[] { "loyal", "lost", "potential_loyalist", "at_risk", "loyal" }, rows.Select(r => r.Segment));
        Assert.Equal(new[] { 4, 55, 0, 40, 25 }, rows.Select(r => r.RecencyDays));
        Assert.Equal(new long[] { 3, 1, 1, 2, 4 }, rows.Select(r => r.Frequency));
        Assert.Equal(new long[] { 200_000_000, 1_000_000_000, 10_000_000, 40_000_000, 120_000_000 }, rows.Select(r => r.MonetaryMicros));
        Assert.All(rows, r => Assert.Equal((JanuaryAndFebruary.From, JanuaryAndFebruary.To, kit.Clock.GetUtcNow().UtcDateTime), (r.PeriodFrom, r.PeriodTo, r.ComputedAt)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnAgentSeesTheSegmentsOfTheCustomersTheyReachAndMayNotRecompute(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var (admin, agent, ids) = await HandCaseAsync(kit);
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync<Rfm, RfmRecomputed>(r => r.RecomputeAsync(agent, JanuaryAndFebruary, null, Ct)));
        var never = await kit.RunAsync<Rfm, RfmSummary>(r => r.StoredAsync(agent, Ct));
        Assert.Null(never.ComputedAt);
        Assert.Equal(0, never.Customers);

        await kit.RunAsync<Rfm, RfmRecomputed>(r => r.RecomputeAsync(admin, JanuaryAndFebruary, null, Ct));
        var all = await kit.RunAsync<Rfm, RfmSummary>(r => r.StoredAsync(admin, Ct));
        Assert.Equal(5, all.Customers);
        Assert.Equal(RfmSegments.All, all.Segments.Select(s => s.Segment));
        Assert.Equal(2, all.Segments.Single(s => s.Segment == "loyal").Customers);
        Assert.Equal(320m, all.Segments.Single(s => s.Segment == "loyal").Revenue);
        var mine = await kit.RunAsync<Rfm, RfmSummary>(r => r.StoredAsync(agent, Ct));
        Assert.Equal(2, mine.Customers);
        Assert.Equal(new[] { ("loyal", 1L), ("lost", 1L) }, mine.Segments.Where(s => s.Customers > 0).Select(s => (s.Segment, s.Customers)));
        var rows = await kit.RunAsync<Rfm, IReadOnlyList<RfmCustomerRow>>(r => r.CustomersAsync(agent, null, 100, Ct));
        Assert.Equal(new[] { ids[0], ids[1] }, rows.Select(r => r.CustomerId).Order());
        var lost = await kit.RunAsync<Rfm, IReadOnlyList<RfmCustomerRow>>(r => r.CustomersAsync(admin, "lost", 100, Ct));
        Assert.Equal("Bo", Assert.Single(lost).Name);
        var bad = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync<Rfm, IReadOnlyList<RfmCustomerRow>>(r => r.CustomersAsync(admin, "vip", 100, Ct)));
        Assert.Contains("segment", bad.Errors.Keys);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnotherPeriodIsScoredOnTheFlyWithoutChangingTheStoredResult(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var (admin, agent, _) = await HandCaseAsync(kit);
        await kit.RunAsync<Rfm, RfmRecomputed>(r => r.RecomputeAsync(admin, JanuaryAndFebruary, null, Ct));
        // January alone: Bo (5 Jan, 1000) and Di (10 and 20 Jan, 40). Di is more recent, more frequent, cheaper.
        var january = new AnalysisPeriod(At(2026, 1, 1), At(2026, 2, 1));
        var live = await kit.RunAsync<Rfm, RfmSummary>(r => r.LiveAsync(admin, january, Ct));
        Assert.False(live.Stored);
        Assert.Equal(2, live.Customers);
        var agentLive = await kit.RunAsync<Rfm, RfmSummary>(r => r.LiveAsync(agent, january, Ct));
        Assert.Equal(1, agentLive.Customers);
        Assert.Equal(1000m, agentLive.Segments.Sum(s => s.Revenue));
        var stored = await kit.RunAsync<Rfm, RfmSummary>(r => r.StoredAsync(admin, Ct));
        Assert.Equal(5, stored.Customers);
    }

    [Fact]
    public void TheSegmentMapCoversEveryScorePairAndNamesTheCorners()
    {
        for (var r = 1; r <= 5; r++)
            for (var f = 1; f <= 5; f++)
                Assert.Contains(RfmSegments.Of(r, f), RfmSegments.All);
        Assert.Equal("champions", RfmSegments.Of(5, 5));
        Assert.Equal("new", RfmSegments.Of(5, 1));
        Assert.Equal("cant_lose_them", RfmSegments.Of(1, 5));
        Assert.Equal("lost", RfmSegments.Of(1, 1));
        Assert.Equal("hibernating", RfmSegments.Of(2, 2));
        Assert.Equal("need_attention", RfmSegments.Of(3, 3));
        Assert.Equal(RfmSegments.All.Order(), Enumerable.Range(1, 5).SelectMany(r => Enumerable.Range(1, 5).Select(f => RfmSegments.Of(r, f))).Distinct().Order());
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
