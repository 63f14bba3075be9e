using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Importing;

public sealed class RevertImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What a revert must give back exactly: every field, the tags, the search text.</summary>
    private static string State(Customer c) => CustomerImportState.Capture(c) + "|" + c.SearchText + "|" + c.DeletedAt + "|" + c.MergedIntoId;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RevertingRemovesWhatTheImportCreatedWithItsPurchasesAndRestoresWhatItChangedExactly(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var acme = await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = "Acme" }, admin, ActorKind.User, Ct));
        var create = (CustomerInput input) => kit.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(input, admin, ActorKind.User, Ct));
        var s1 = await create(new CustomerInput { Name = "Stored One", ExternalId = "S1", Email = "s1@example.com", City = "Shanghai", Tags = ["vip"], CompanyId = acme.Id, Age = 30 });
        var s2 = await create(new CustomerInput { Name = "Stored Two", Email = "s2@example.com", Phone = "+8613800138000" });
        var s3 = await create(new CustomerInput { Name = "Stored Three", ExternalId = "S3", Email = "s3@example.com" });
        var untouched = await create(new CustomerInput { Name = "Untouched", ExternalId = "S4" });
        var before = (await kit.CustomersAsync()).ToDictionary(c => c.Id, State);
        var countsBefore = await kit.CountsAsync();

        var import = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email,city,tags,company,gender",
            "S1,Stored One Renamed,,Beijing,new-tag; vip,Globex,female",
            "N1,New One,n1@example.com,Wuhan,new-tag,Globex,",
            "N2,Stored Two,s2@example.com,Chengdu,,,male",
            "M1,Stored 3,s3@example.com,Xi'an,merged-tag,,"), admin);
        Assert.Equal((1L, 2L, 1L), (import.Created, import.Updated, import.Merged));
        var purchases = await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount",
            "P1,N1,2024-01-01,10", "P2,S1,2024-01-02,20", "P3,M1,2024-01-03,30"), admin);
        Assert.Equal(3, purchases.Created);
        Assert.Equal("N2", (await kit.CustomerAsync("N2")).ExternalId);
        Assert.Equal("Xi'an", (await kit.CustomerAsync("S3")).City);

        var job = await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(import.JobId, admin, Ct));
        Assert.Equal(ImportStatus.Reverted, job.Status);
        Assert.Equal(ImportStatus.Reverted, (await kit.JobAsync(import.JobId)).Status);
        Assert.NotNull((await kit.JobAsync(import.JobId)).RevertedAt);

        var after = await kit.CustomersAsync();
        Assert.Equal(before.Keys.Order(), after.Select(c => c.Id).Order());
        foreach (var c in after) Assert.Equal(before[c.Id], State(c));
        await using var db = kit.Open();
        // New One and its purchase are gone; the purchase of a restored customer stays, the merged row's moved to its survivor.
        Assert.Equal(["P2", "P3"], await db.Purchases.OrderBy(p => p.OrderId).Select(p => p.OrderId).ToListAsync(Ct));
        Assert.Equal(s3.Id, await db.Purchases.Where(p => p.OrderId == "P3").Select(p => p.CustomerId).SingleAsync(Ct));
        Assert.False(await db.Companies.AnyAsync(c => c.Name == "Globex", Ct));
        Assert.False(await db.CustomerMerges.AnyAsync(Ct));
        Assert.False(await db.ImportChanges.AnyAsync(Ct));
        // The restore is an edit like any other: in the history, by the import's revert.
        var restored = await db.RecordChanges.Where(r => r.EntityId == s1.Id && r.ActorDetail == $"revert of import #{import.JobId}").Select(r => r.Field).ToListAsync(Ct);
        Assert.Contains("city", restored);
        Assert.Contains("tags", restored);
        var countsAfter = await kit.CountsAsync();
        Assert.Equal(countsBefore["customers"], countsAfter["customers"]);
        Assert.Equal(countsBefore["companies"], countsAfter["companies"]);
        Assert.Null(after.Single(c => c.Id == s2.Id).ExternalId);
        Assert.Equal(1, after.Single(c => c.Id == untouched.Id).Version);

        var again = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(import.JobId, admin, Ct)));
        Assert.Equal(409, again.Status);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RevertingALinkedImportRemovesItsRowsAndTheCustomersItCreatedForThem(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        var counts = await kit.CountsAsync();
        var events = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "E1,C1,access,2024-01-01T10:00:00Z,/", "E2,C7,like,2024-01-01T11:00:00Z,/docs"), admin, new ImportOptions { CreateMissingCustomers = true });
        Assert.Equal((2L, 0L, 1L), (events.Created, events.Rejected, events.Summary!.CustomersCreated));
        Assert.Equal("C7", (await kit.CustomerAsync("C7")).Name);

        await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(events.JobId, admin, Ct));
        Assert.Equal(counts, await kit.CountsAsync());
        await using var db = kit.Open();
        Assert.False(await db.BehaviorEvents.AnyAsync(Ct));
        Assert.False(await db.Customers.AnyAsync(c => c.ExternalId == "C7", Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnImportWhoseCustomerHasSinceAbsorbedAnotherByAMergeIsNotRevertedUntilThatMergeIsUndone(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var stored = await kit.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(
            new CustomerInput { Name = "Stored", ExternalId = "S1" }, admin, ActorKind.User, Ct));
        var import = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "N1,New"), admin);
        var created = await kit.CustomerAsync("N1");
        var merge = await kit.RunAsync(sp => sp.GetRequiredService<MergeCustomers>().HandleAsync(created.Id, new MergeInput { MergeId = stored.Id }, null, admin, ActorKind.User, Ct));

        var refused = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(import.JobId, admin, Ct)));
        Assert.Equal(409, refused.Status);
        Assert.Contains("undo that merge first", refused.Message);
        Assert.Equal(ImportStatus.Completed, (await kit.JobAsync(import.JobId)).Status);

        await kit.RunAsync(sp => sp.GetRequiredService<UndoMerge>().HandleAsync(merge.MergeId, admin, ActorKind.User, Ct));
        await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(import.JobId, admin, Ct));
        var left = Assert.Single(await kit.CustomersAsync());
        Assert.Equal((stored.Id, null), (left.Id, left.DeletedAt));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task OnlyACompletedImportIsRevertedAndAnAgentMayNotRevertAnotherUsersImport(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var agent = await kit.ScopeAsync((await kit.UserAsync(Role.Agent, "agent")).Id);
        var failed = await kit.ImportAsync(ImportKind.Customers, kit.Csv("email", "a@example.com"), admin);
        Assert.Equal("failed", failed.Status);
        var refused = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(failed.JobId, admin, Ct)));
        Assert.Equal(409, refused.Status);

        var done = await kit.ImportAsync(ImportKind.Customers, kit.Csv("name", "Ann"), admin);
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(done.JobId, agent, Ct)));
        Assert.Single(await kit.CustomersAsync());
    }
}
