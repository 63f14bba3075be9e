using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Behavior;

/// <summary>`kith import events`: rows of unknown customers wait in pending_events and attach when a customer import creates them.</summary>
public sealed class PendingEventImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EventRowsOfUnknownCustomersArePendingAndAttachWhenACustomerImportCreatesThem(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        var events = kit.Csv("event_id,customer_id,customer email,event_type,behavior_time,page",
            "E1,C1,,access,2024-02-03T10:00:00Z,/pricing",
            "E2,C404,,purchase,2024-02-03T11:00:00Z,",
            "E3,,new@example.com,like,2024-02-03T12:00:00Z,",
            "E4,C404,,access,2024-02-03T13:00:00Z,/home");

        var report = await kit.ImportAsync(ImportKind.Events, events, admin);
        Assert.Equal((1L, 0L), (report.Created, report.Rejected));
        Assert.Equal((3L, 3L), (report.Summary!.PendingEvents, report.Summary.UnknownCustomers));
        var again = await kit.ImportAsync(ImportKind.Events, events, admin);
        Assert.Equal((0L, 4L, 0L, 0L), (again.Created, again.Unchanged, again.Rejected, again.Summary!.PendingEvents));
        await using (var db = kit.Open())
        {
            Assert.Equal(3, await db.PendingEvents.CountAsync(Ct));
            Assert.All(await db.PendingEvents.ToListAsync(Ct), p => Assert.Equal(("import", report.JobId), (p.Source, p.ImportJobId!.Value)));
        }

        long lastId;
        await using (var db = kit.Open()) lastId = await db.BehaviorEvents.MaxAsync(e => e.Id, Ct);
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "C404,Four,", "C5,Newcomer,new@example.com"), admin);
        var four = (await kit.CustomerAsync("C404")).Id;
        var newcomer = (await kit.CustomerAsync("C5")).Id;
        await using (var db = kit.Open())
        {
            Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
            var moved = await db.BehaviorEvents.AsNoTracking().Where(e => e.Id > lastId).OrderBy(e => e.EventId).ToListAsync(Ct);
            Assert.Equal([("E2", four), ("E3", newcomer), ("E4", four)], moved.Select(e => (e.EventId!, e.CustomerId)));
            Assert.Equal(("access", "/home", report.JobId), (moved[2].Type, moved[2].Page, moved[2].ImportJobId!.Value));
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CreatingMissingCustomersStoresEventsDirectlyAndTakesAlongEventsThatWaitedForThem(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var first = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time", "E1,C7,access,2024-02-03T10:00:00Z"), admin);
        Assert.Equal(1L, first.Summary!.PendingEvents);

        var report = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time", "E2,C7,like,2024-02-04T10:00:00Z"), admin,
            new ImportOptions { CreateMissingCustomers = true });
        Assert.Equal((1L, 0L, 1L), (report.Created, report.Summary!.PendingEvents, report.Summary.CustomersCreated));
        var c7 = (await kit.CustomerAsync("C7")).Id;
        await using var db = kit.Open();
        Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
        Assert.Equal(["E1", "E2"], await db.BehaviorEvents.Where(e => e.CustomerId == c7).OrderBy(e => e.EventId).Select(e => e.EventId!).ToListAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RevertingAnEventImportRemovesTheEventsItLeftPending(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var report = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time", "E1,C7,access,2024-02-03T10:00:00Z"), admin);
        await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(report.JobId, admin, Ct));
        await using var db = kit.Open();
        Assert.Equal(0, await db.PendingEvents.CountAsync(Ct));
    }
}
