using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Duplicates;

public sealed class FindDuplicatesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Two planted pairs (one exact, one fuzzy) among people who only look alike.</summary>
    private static async Task<Dictionary<string, long>> PlantAsync(DuplicateKit kit, AccessScope scope)
    {
        var ids = new Dictionary<string, long>
        {
            ["wang"] = (await kit.CreateAsync(scope, "王小明", "wxm@example.cn")).Id,
            ["wang2"] = (await kit.CreateAsync(scope, "王小明", " WXM@Example.cn ")).Id,
            ["emma"] = (await kit.CreateAsync(scope, "Emma Schmidt", phone: "13800138001")).Id,
            ["emma2"] = (await kit.CreateAsync(scope, "Emma Schmit", phone: "138 0013 8001")).Id,
            // Relatives sharing a phone, and namesakes in one city: different people.
            ["mary"] = (await kit.CreateAsync(scope, "Mary Smith", phone: "13900139000")).Id,
            ["mark"] = (await kit.CreateAsync(scope, "Mark Smith", phone: "13900139000")).Id,
            ["zhang"] = (await kit.CreateAsync(scope, "张伟", "zw1@example.cn", city: "北京")).Id,
            ["zhang2"] = (await kit.CreateAsync(scope, "张伟", "zw2@example.cn", city: "北京")).Id,
        };
        return ids;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AScanStoresThePlantedPairsAsOpenAndLeavesPeopleWhoOnlyLookAlikeApart(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var ids = await PlantAsync(kit, admin);

        var result = await kit.ScanAsync();

        Assert.Equal(8, result.Scanned);
        Assert.Equal(2, result.Found);
        Assert.Equal(2, result.Added);
        Assert.Equal(2, result.Open);
        var pairs = await kit.PairsAsync();
        Assert.Equal(2, pairs.Count);
        var exact = Assert.Single(pairs, p => p.CustomerId == ids["wang"]);
        Assert.Equal(ids["wang2"], exact.OtherCustomerId);
        Assert.True(exact.IsExact);
        Assert.Contains("same email", exact.Reasons);
        var fuzzy = Assert.Single(pairs, p => p.CustomerId == ids["emma"]);
        Assert.Equal(ids["emma2"], fuzzy.OtherCustomerId);
        Assert.False(fuzzy.IsExact);
        Assert.Contains("same phone", fuzzy.Reasons);
        Assert.True(fuzzy.Score < exact.Score);
        Assert.All(pairs, p => Assert.Equal(DuplicateStatus.Open, p.Status));
        Assert.All(pairs, p => Assert.Equal(kit.Clock.GetUtcNow().UtcDateTime, p.FoundAt));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ReadingInSmallChunksFindsPairsThatCrossChunkBoundaries(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        await PlantAsync(kit, admin);
        var result = await kit.ScanAsync(readChunk: 3);
        Assert.Equal(8, result.Scanned);
        Assert.Equal(2, result.Added);
        // A second scan over the same data, in other chunks, changes nothing.
        var again = await kit.ScanAsync(readChunk: 1);
        Assert.Equal((2L, 0L, 0L, 0L, 2L), (again.Found, again.Added, again.Updated, again.Removed, again.Open));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ARescanKeepsDismissedPairsDismissedAddsNewOnesAndRemovesOpenPairsThatNoLongerMatch(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var ids = await PlantAsync(kit, admin);
        await kit.ScanAsync();
        var emmaPair = (await kit.PairsAsync()).Single(p => p.CustomerId == ids["emma"]);
        await kit.RunAsync<DismissDuplicate, DuplicatePairDetail>(h => h.HandleAsync(emmaPair.Id, admin, Ct));

        // 王小明's second record gets another address: no longer the same person as far as the rules can tell.
        await kit.RunAsync<UpdateCustomer, CustomerDetail>(h =>
            h.HandleAsync(ids["wang2"], new CustomerInput { Name = "王小明", Email = "other@example.cn" }, null, admin, ActorKind.User, Ct));
        var li = await kit.CreateAsync(admin, "Li Na", "li.na@example.com");
        var li2 = await kit.CreateAsync(admin, "Li Na", "li.na@example.com");

        var result = await kit.ScanAsync();

        Assert.Equal(2, result.Found);
        Assert.Equal(1, result.Added);
        Assert.Equal(1, result.Removed);
        Assert.Equal(1, result.StillDismissed);
        Assert.Equal(1, result.Open);
        var pairs = await kit.PairsAsync();
        Assert.Equal(2, pairs.Count);
        Assert.Equal(DuplicateStatus.Dismissed, pairs.Single(p => p.Id == emmaPair.Id).Status);
        var added = pairs.Single(p => p.Status == DuplicateStatus.Open);
        Assert.Equal((li.Id, li2.Id), (added.CustomerId, added.OtherCustomerId));
        Assert.DoesNotContain(pairs, p => p.CustomerId == ids["wang"]);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnOpenPairWithACustomerInTheBinIsRemovedByTheNextScan(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var ids = await PlantAsync(kit, admin);
        await kit.ScanAsync();
        await kit.RunAsync(async sp =>
        {
            await sp.GetRequiredService<DeleteCustomer>().HandleAsync(ids["emma2"], null, admin, ActorKind.User, Ct);
            return true;
        });
        var result = await kit.ScanAsync();
        Assert.Equal(7, result.Scanned);
        Assert.Equal(1, result.Removed);
        Assert.DoesNotContain(await kit.PairsAsync(), p => p.OtherCustomerId == ids["emma2"]);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AScanReportsItsProgressToTheEndAndACancelledScanStoresNothing(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        await PlantAsync(kit, admin);

        var reports = new List<DuplicateScanProgress>();
        await kit.RunAsync(sp => sp.GetRequiredService<FindDuplicates>().HandleAsync(admin, new Reports(reports.Add), Ct));
        Assert.Equal(new DuplicateScanProgress(DuplicateScanPhase.Reading, 0, 8), reports[0]);
        Assert.Contains(new DuplicateScanProgress(DuplicateScanPhase.Reading, 8, 8), reports);
        Assert.Contains(new DuplicateScanProgress(DuplicateScanPhase.Comparing, 8, 8), reports);
        Assert.Equal(new DuplicateScanProgress(DuplicateScanPhase.Saving, 8, 8), reports[^1]);

        await using (var db = kit.Database.Open()) await db.DuplicatePairs.ExecuteDeleteAsync(Ct);
        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            kit.RunAsync(sp => sp.GetRequiredService<FindDuplicates>().RunAsync(new Reports(_ => cancel.Cancel()), cancel.Token)));
        Assert.Empty(await kit.PairsAsync());
        // The scan that was cancelled let go of its lock: the next one runs.
        Assert.Equal(2, (await kit.ScanAsync()).Added);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task OnlyAdministratorsAndManagersMayScan(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var manager = await kit.UserAsync(Role.Manager, "Manager");
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync<FindDuplicates, DuplicateScanResult>(h => h.HandleAsync(agent, null, Ct)));
        var result = await kit.RunAsync<FindDuplicates, DuplicateScanResult>(h => h.HandleAsync(manager, null, Ct));
        Assert.Equal(0, result.Scanned);
    }

    /// <summary>Reports synchronously on the scan's own thread, unlike Progress&lt;T&gt;, so a test sees every report in order.</summary>
    private sealed class Reports(Action<DuplicateScanProgress> report) : IProgress<DuplicateScanProgress>
    {
        private readonly Lock _gate = new();

        public void Report(DuplicateScanProgress value)
        {
            lock (_gate) report(value);
        }
    }
}
