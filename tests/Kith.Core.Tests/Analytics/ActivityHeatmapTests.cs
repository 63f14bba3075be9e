using Kith.Core.Analytics;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using static Kith.Core.Tests.Analytics.AnalyticsKit;

namespace Kith.Core.Tests.Analytics;

public sealed class ActivityHeatmapTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EventsLandInTheirUtcWeekdayAndHourMondayFirst(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var ann = await kit.CustomerAsync(admin, "Ann");
        var bo = await kit.CustomerAsync(agent, "Bo");
        await kit.EventAsync(ann, "access", At(2026, 1, 5, 10, 5));   // Monday 10:05
        await kit.EventAsync(ann, "like", At(2026, 1, 5, 10, 59));
        await kit.EventAsync(bo, "access", At(2026, 1, 11, 23, 30)); // Sunday 23:30
        var january = new AnalysisPeriod(At(2026, 1, 1), At(2026, 2, 1));

        var all = await kit.RunAsync<ActivityHeatmap, HeatmapResult>(h => h.HandleAsync(admin, null, january, Ct));
        Assert.Equal("UTC", all.TimeZone);
        Assert.Equal(2, all.Counts[0][10]);
        Assert.Equal(1, all.Counts[6][23]);
        Assert.Equal(3, all.Counts.Sum(d => d.Sum()));
        Assert.Equal(2, all.Max);
        var likes = await kit.RunAsync<ActivityHeatmap, HeatmapResult>(h => h.HandleAsync(admin, "like", january, Ct));
        Assert.Equal(1, likes.Counts.Sum(d => d.Sum()));
        var mine = await kit.RunAsync<ActivityHeatmap, HeatmapResult>(h => h.HandleAsync(agent, null, january, Ct));
        Assert.Equal(1, mine.Counts[6][23]);
        Assert.Equal(1, mine.Counts.Sum(d => d.Sum()));
    }
}
