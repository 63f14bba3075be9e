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

/// <summary>Customer imports through <see cref="StartImport"/> and <see cref="ImportRunner"/>: matching, modes, duplicates, history.</summary>
public sealed class CustomerImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Header = "customer_id,name,email,phone,age,gender,city,signup_date,tags,company";

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ImportingTheSameFilesTwiceChangesNothingTheSecondTime(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var customers = kit.Csv(Header,
            "C1,Ann Lee,ann@example.com,+8613800138000,34,F,Shanghai,2024-01-05,vip; beta,Acme",
            "C2,Bo Chen,bo@example.com,,,M,Beijing,2024/02/03,,",
            "C3,ANN LEE,  Ann@Example.com ,,40,,,,gold,",
            "C4,Cy Wu,,+8613900139000,,,,,,",
            "C5,Cy Wu,,139 0013 9000,,,Wuhan,,,",
            "C6,Dee,dee@example.com,,abc,,,,,");
        var purchases = kit.Csv("order_id,customer_id,order_time,product,quantity,unit_price,amount",
            "O1,C1,2024-03-01T10:00:00Z,Pro plan,1,29.00,29.00",
            "O2,C3,2024-03-02T10:00:00Z,Headset,2,59.00,118.00",
            "O3,C5,2024-03-03T10:00:00Z,Webcam,1,79.00,79.00",
            "O4,C9,2024-03-04T10:00:00Z,Webcam,1,79.00,79.00");

        var first = await kit.ImportAsync(ImportKind.Customers, customers, admin);
        Assert.Equal("completed", first.Status);
        Assert.Equal((3L, 0L, 2L, 1L), (first.Created, first.Updated, first.Merged, first.Rejected));
        var firstPurchases = await kit.ImportAsync(ImportKind.Purchases, purchases, admin);
        Assert.Equal((3L, 1L), (firstPurchases.Created, firstPurchases.Rejected));
        var ann = await kit.CustomerAsync("C1");
        Assert.Equal(["beta", "gold", "vip"], ann.Tags.Select(t => t.Name).Order());
        Assert.Equal("Acme", ann.Company!.Name);
        Assert.Equal(34, ann.Age);
        Assert.Equal("Wuhan", (await kit.CustomerAsync("C4")).City);
        var counts = await kit.CountsAsync();

        var second = await kit.ImportAsync(ImportKind.Customers, customers, admin);
        Assert.Equal("completed", second.Status);
        Assert.Equal((0L, 0L, 0L, 0L, 5L, 1L), (second.Created, second.Updated, second.Merged, second.Flagged, second.Unchanged, second.Rejected));
        var secondPurchases = await kit.ImportAsync(ImportKind.Purchases, purchases, admin);
        Assert.Equal((0L, 3L, 1L), (secondPurchases.Created, secondPurchases.Unchanged, secondPurchases.Rejected));
        Assert.Equal(counts, await kit.CountsAsync());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ARowWithAStoredExternalIdUpdatesTheRecordWritesItsHistoryAndKeepsItsFormerStateForRevert(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv(Header, "C1,Ann Lee,ann@example.com,,34,F,Shanghai,,vip,"), admin);
        var before = await kit.CustomerAsync("C1");

        var report = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,city,age,email", "C1,Ann Lee-Smith,Beijing,,"), admin);
        Assert.Equal((0L, 1L, 0L), (report.Created, report.Updated, report.Unchanged));
        var after = await kit.CustomerAsync("C1");
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(("Ann Lee-Smith", "Beijing", 34, "ann@example.com"), (after.Name, after.City, after.Age, after.Email));
        Assert.Equal(before.Version + 1, after.Version);
        Assert.Equal(ActorKind.Import, after.UpdatedByKind);

        await using var db = kit.Open();
        var history = await db.RecordChanges.Where(c => c.EntityId == after.Id && c.Action == ChangeAction.Updated).OrderBy(c => c.Field).ToListAsync(Ct);
        Assert.Equal(["city", "name"], history.Select(h => h.Field));
        Assert.Equal(("Shanghai", "Beijing"), (history[0].OldValue, history[0].NewValue));
        Assert.All(history, h => Assert.Equal(ActorKind.Import, h.ActorKind));
        var change = Assert.Single(await db.ImportChanges.Where(c => c.ImportJobId == report.JobId).ToListAsync(Ct));
        Assert.Equal((ChangeLog.CustomerEntity, after.Id, ImportChangeAction.Updated), (change.EntityType, change.EntityId, change.Action));
        Assert.Contains("Shanghai", change.Before);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CreateModeRefusesRowsOfStoredCustomersAndUpdateModeRefusesNewOnesEachWithItsLine(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "C1,Ann,ann@example.com", "C2,Bo,bo@example.com"), admin);
        var file = kit.Csv("customer_id,name,email,city", "C1,Ann,,Paris", "C3,Cy,cy@example.com,Rome", "C9,Bo B,bo@example.com,Oslo");

        var create = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { Mode = ImportMode.Create });
        Assert.Equal((1L, 0L, 1L), (create.Created, create.Updated, create.Rejected));
        var refused = Assert.Single(create.Errors);
        Assert.Equal((2, "customer_id"), (refused.Line, refused.Column));
        Assert.Contains("mode create", refused.Message);
        // C9 has another external id than the stored Bo with the same email: an exact duplicate, merged.
        Assert.Equal(1, create.Merged);
        Assert.Null((await kit.CustomerAsync("C1")).City);

        var update = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,city", "C1,Ann,Paris", "C4,Di,Rome"), admin, new ImportOptions { Mode = ImportMode.Update });
        Assert.Equal((0L, 1L, 1L), (update.Created, update.Updated, update.Rejected));
        Assert.Equal(3, Assert.Single(update.Errors).Line);
        Assert.Equal("Paris", (await kit.CustomerAsync("C1")).City);
        await using var db = kit.Open();
        Assert.False(await db.Customers.AnyAsync(c => c.ExternalId == "C4", Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnExactDuplicateMergesIsFlaggedAsItsOwnRecordOrIsSkippedAsOnDuplicateSays(DatabaseProvider provider)
    {
        foreach (var action in new[] { DuplicateAction.Merge, DuplicateAction.Flag, DuplicateAction.Skip })
        {
            await using var kit = await ImportKit.StartAsync(provider);
            var admin = await kit.AdminAsync();
            await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email,city", "C1,Ann Lee,ann@example.com,"), admin);
            var report = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email,city,age",
                "C2,Ann Lee,ANN@example.com,Paris,30",
                "C3,Bo,bo@example.com,Rome,",
                "C4,Bo,bo@example.com,Oslo,41"), admin, new ImportOptions { OnDuplicate = action });
            var all = await kit.CustomersAsync();
            var ann = all.Single(c => c.ExternalId == "C1");
            await using var db = kit.Open();
            var pairs = await db.DuplicatePairs.ToListAsync(Ct);
            switch (action)
            {
                case DuplicateAction.Merge:
                    Assert.Equal((1L, 2L, 0L), (report.Created, report.Merged, report.Flagged));
                    Assert.Equal(("Paris", 30), (ann.City, ann.Age));
                    var hidden = all.Single(c => c.ExternalId == "C2");
                    Assert.Equal((ann.Id, true), (hidden.MergedIntoId, hidden.DeletedAt is not null));
                    // The merged row is kept whole, so undoing the merge gives it back as it was.
                    Assert.Equal(("Paris", 30, "ann@example.com"), (hidden.City, hidden.Age, hidden.Email));
                    var bo = all.Single(c => c.ExternalId == "C3");
                    Assert.Equal(("Rome", 41), (bo.City, bo.Age));
                    Assert.Equal(bo.Id, all.Single(c => c.ExternalId == "C4").MergedIntoId);
                    Assert.Equal(2, await db.CustomerMerges.CountAsync(m => m.ImportJobId == report.JobId, Ct));
                    Assert.Empty(pairs);
                    break;
                case DuplicateAction.Flag:
                    Assert.Equal((3L, 0L, 2L), (report.Created, report.Merged, report.Flagged));
                    Assert.Null(ann.City);
                    Assert.All(all, c => Assert.Null(c.MergedIntoId));
                    Assert.Equal(2, pairs.Count);
                    Assert.All(pairs, p => Assert.True(p.IsExact));
                    Assert.Contains(pairs, p => p.CustomerId == ann.Id && p.OtherCustomerId == all.Single(c => c.ExternalId == "C2").Id);
                    break;
                default:
                    Assert.Equal((1L, 0L, 2L), (report.Created, report.Merged, report.Skipped));
                    Assert.Equal(2, all.Count);
                    Assert.Null(ann.City);
                    break;
            }
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AFuzzyDuplicateIsImportedAsItsOwnRecordAndListedForReview(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email,phone", "C1,Jennifer Garcia,jennifer.garcia1@example.com,+16502530000"), admin);
        var report = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email,phone",
            "C2,Jenifer Garcia,jennifer.garcia1@example.org,(650) 253-0000"), admin, new ImportOptions { Region = "US" });
        Assert.Equal((1L, 0L, 1L), (report.Created, report.Merged, report.Flagged));
        await using var db = kit.Open();
        var pair = Assert.Single(await db.DuplicatePairs.ToListAsync(Ct));
        Assert.False(pair.IsExact);
        Assert.Equal(report.JobId, pair.ImportJobId);
        Assert.Equal(DuplicateStatus.Open, pair.Status);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task MatchByDecidesWhichKeysFindTheStoredRecord(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("name,email,phone", "Ann Lee,ann@example.com,+8613800138000"), admin);
        var file = kit.Csv("name,email,phone,city", "Ann Lee,other@example.com,138 0013 8000,Paris");

        // By email only, the row is someone new (with the same phone and name: an exact pair to review).
        var byEmail = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { MatchBy = ["email"] });
        Assert.Equal((1L, 0L), (byEmail.Created, byEmail.Updated));
        await kit.RunAsync(async sp =>
        {
            await sp.GetRequiredService<RevertImport>().HandleAsync(byEmail.JobId, admin, Ct);
            return 0;
        });

        // By phone, it is the stored Ann (the names agree) and fills her empty city.
        var byPhone = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { MatchBy = ["phone"] });
        Assert.Equal((0L, 1L), (byPhone.Created, byPhone.Updated));
        var ann = Assert.Single(await kit.CustomersAsync());
        Assert.Equal(("Paris", "ann@example.com"), (ann.City, ann.Email));

        // Matching by email alone, a row cannot take an external id another customer holds (it would be a second one).
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "X1,Xu,xu@example.com"), admin);
        var taken = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "X1,Yi,yi@example.com", "X1,Xu,xu@example.com"), admin,
            new ImportOptions { MatchBy = ["email"] });
        Assert.Equal("completed", taken.Status);
        Assert.Equal([(2, "customer_id")], taken.Errors.Select(e => (e.Line, e.Column)));
        Assert.Equal((1L, 1L, 0L), (taken.Rejected, taken.Unchanged, taken.Created));
        Assert.Equal("Xu", (await kit.CustomerAsync("X1")).Name);

        var invalid = await Assert.ThrowsAsync<RuleViolation>(() => kit.StartAsync(ImportKind.Customers, file, admin, new ImportOptions { MatchBy = ["name"] }));
        Assert.Contains("matchBy", invalid.Errors.Keys);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ARowRefusedWhileStoringLeavesTheStoredRecordAsItWas(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,city", "C1,Ann,Shanghai"), admin);

        var report = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,city,owner", "C1,Ann Changed,Paris,nobody@example.com"), admin);
        var error = Assert.Single(report.Errors);
        Assert.Equal((2, "owner"), (error.Line, error.Column));
        Assert.Contains("nobody@example.com", error.Message);
        var ann = await kit.CustomerAsync("C1");
        Assert.Equal(("Ann", "Shanghai", 1), (ann.Name, ann.City, ann.Version));
        await using var db = kit.Open();
        Assert.False(await db.RecordChanges.AnyAsync(c => c.Action == ChangeAction.Updated, Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnAgentsImportMatchesOnlyTheirOwnCustomersAndCannotTakeAnotherOwnersExternalId(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var ana = await kit.ScopeAsync((await kit.UserAsync(Role.Agent, "ana")).Id);
        var bo = await kit.ScopeAsync((await kit.UserAsync(Role.Agent, "bo")).Id);
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "B1,Bo's customer,shared@example.com"), bo);

        var report = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "B1,Taken,x@example.com", "A1,Ana's customer,shared@example.com"), ana);
        Assert.Equal((1L, 0L, 0L, 1L), (report.Created, report.Updated, report.Merged, report.Rejected));
        Assert.Contains("outside your reach", Assert.Single(report.Errors).Message);
        Assert.Equal("Bo's customer", (await kit.CustomerAsync("B1")).Name);
        Assert.Equal(ana.UserId, (await kit.CustomerAsync("A1")).OwnerId);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheSameExternalIdTwiceInOneFileIsRefusedTheSecondTimeWithTheFirstLine(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var report = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann", "C2,Bo", "C1,Ann again"), admin);
        Assert.Equal((2L, 1L), (report.Created, report.Rejected));
        var error = Assert.Single(report.Errors);
        Assert.Equal((4, "customer_id"), (error.Line, error.Column));
        Assert.Contains("line 2", error.Message);
        Assert.Equal("Ann", (await kit.CustomerAsync("C1")).Name);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AMergeMadeByAnImportCanBeUndoneLikeOneMadeByHand(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email,city", "C1,Ann Lee,ann@example.com,"), admin);
        var report = await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email,city,tags", "C2,Ann L.,ann@example.com,Paris,from-crm"), admin);
        Assert.Equal(1, report.Merged);
        var ann = await kit.CustomerAsync("C1");
        Assert.Equal("Paris", ann.City);
        Assert.Equal(["from-crm"], ann.Tags.Select(t => t.Name));

        long mergeId;
        await using (var db = kit.Open())
            mergeId = (await db.CustomerMerges.SingleAsync(Ct)).Id;
        await kit.RunAsync(sp => sp.GetRequiredService<UndoMerge>().HandleAsync(mergeId, admin, ActorKind.User, Ct));

        ann = await kit.CustomerAsync("C1");
        Assert.Null(ann.City);
        Assert.Empty(ann.Tags);
        var revived = await kit.CustomerAsync("C2");
        Assert.Equal(("Ann L.", "Paris", null, null), (revived.Name, revived.City, revived.DeletedAt, revived.MergedIntoId));
        Assert.Equal(["from-crm"], revived.Tags.Select(t => t.Name));
    }
}
