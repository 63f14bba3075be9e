using System.Text.Json;
using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Duplicates;

public sealed class MergeCustomersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CustomerInput Survivor => new()
    {
        Name = "陈静", Email = "chen.jing@example.cn", Phone = "13800138000", City = "上海", Stage = LifecycleStage.Prospect,
        ExternalId = "ERP-1", Tags = ["vip"], Source = "website",
    };

    private static CustomerInput Other => new()
    {
        Name = "陈静", Email = "chen.jing@work.cn", Phone = "13800138000", City = "杭州", Address = "西湖路 1 号",
        Stage = LifecycleStage.Customer, ExternalId = "ERP-2", Tags = ["Beijing", "VIP"], BirthDate = new DateOnly(1990, 3, 2),
        Gender = Gender.Female,
    };

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AMergeMovesPurchasesCommunicationsAndEventsAndTheMergedExternalIdStillResolvesToTheSurvivor(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var a = await kit.CreateAsync(admin, Survivor);
        var b = await kit.CreateAsync(admin, Other);
        var mine = await kit.RelatedAsync(a.Id, "a");
        var theirs = await kit.RelatedAsync(b.Id, "b");

        var outcome = await kit.MergeAsync(admin, a.Id, b.Id);

        Assert.Equal(a.Id, outcome.Survivor.Id);
        Assert.All(await kit.OwnersOfRelatedAsync(), r => Assert.Equal(a.Id, r.Value));
        await using var db = kit.Database.Open();
        var merge = await db.CustomerMerges.AsNoTracking().SingleAsync(m => m.Id == outcome.MergeId, Ct);
        Assert.Equal((a.Id, b.Id, ActorKind.User, admin.UserId), (merge.SurvivorId, merge.MergedId, merge.MergedByKind, merge.MergedByUserId));
        using var moved = JsonDocument.Parse(merge.Moved);
        Assert.Equal(theirs.Purchases, moved.RootElement.GetProperty("purchases").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(theirs.Communications, moved.RootElement.GetProperty("communications").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(theirs.Events, moved.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetInt64()));
        Assert.DoesNotContain(mine.Purchases[0], moved.RootElement.GetProperty("purchases").EnumerateArray().Select(e => e.GetInt64()));

        // The merged record is hidden: not found by id, not in the bin, not in lists; its external id finds the survivor.
        var tombstone = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == b.Id, Ct);
        Assert.Equal(a.Id, tombstone.MergedIntoId);
        Assert.NotNull(tombstone.DeletedAt);
        Assert.Equal("ERP-2", tombstone.ExternalId);
        Assert.Equal(b.Version + 1, tombstone.Version);
        await Assert.ThrowsAsync<NotFound>(() => kit.GetAsync(admin, b.Id));
        var byExternal = await kit.RunAsync<CustomerQueries, CustomerDetail>(q => q.GetByExternalIdAsync(admin, "ERP-2", Ct));
        Assert.Equal(a.Id, byExternal.Id);
        Assert.Equal("ERP-1", byExternal.ExternalId);
        Assert.Empty(await kit.RunAsync<CustomerQueries, IReadOnlyList<CustomerListItem>>(q => q.DeletedAsync(admin, Ct)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ChosenFieldsComeFromTheOtherRecordEmptyOnesAreFilledAndTagsAreUnited(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var a = await kit.CreateAsync(admin, Survivor);
        var b = await kit.CreateAsync(admin, Other);

        var merged = (await kit.MergeAsync(admin, a.Id, b.Id, new() { ["email"] = "other", ["stage"] = "OTHER", ["city"] = "survivor" }, a.Version)).Survivor;

        Assert.Equal("chen.jing@work.cn", merged.Email);
        Assert.Equal(LifecycleStage.Customer, merged.Stage);
        Assert.Equal("上海", merged.City);
        // Not chosen: the survivor's value, or the other's where the survivor had none.
        Assert.Equal("website", merged.Source);
        Assert.Equal("西湖路 1 号", merged.Address);
        Assert.Equal(new DateOnly(1990, 3, 2), merged.BirthDate);
        Assert.Equal(b.Age, merged.Age);
        Assert.Equal(Gender.Female, merged.Gender);
        Assert.Equal(["Beijing", "vip"], merged.Tags);
        Assert.Equal("ERP-1", merged.ExternalId);
        Assert.Equal(a.OwnerId, merged.OwnerId);
        Assert.Equal(a.Version + 1, merged.Version);
        // The survivor is found by what it took over.
        var found = await kit.RunAsync<CustomerQueries, Kith.Core.Listing.ListPage<CustomerListItem>>(q =>
            q.ListAsync(admin, new Kith.Core.Listing.ListRequest("work.cn", null, null), Ct));
        Assert.Equal(a.Id, Assert.Single(found.Items).Id);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task BothHistoriesRecordTheMergeWithEachFieldThatChanged(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var a = await kit.CreateAsync(admin, Survivor);
        var b = await kit.CreateAsync(admin, Other);
        await kit.MergeAsync(admin, a.Id, b.Id, new() { ["email"] = "other" });

        var history = await kit.RunAsync<CustomerQueries, IReadOnlyList<HistoryEntry>>(q => q.HistoryAsync(admin, a.Id, Ct));
        var merge = history.Where(h => h.Action == ChangeAction.Merged).ToList();
        Assert.Contains(merge, h => h.Field == "mergedFrom" && h.NewValue == $"陈静 (#{b.Id})");
        Assert.Contains(merge, h => h.Field == "email" && h.OldValue == "chen.jing@example.cn" && h.NewValue == "chen.jing@work.cn");
        Assert.Contains(merge, h => h.Field == "tags" && h.OldValue == "vip" && h.NewValue == "Beijing,vip");
        Assert.DoesNotContain(merge, h => h.Field == "city");
        Assert.Single(merge.Select(h => h.ChangeSet).Distinct());
        Assert.All(merge, h => Assert.Equal("Ada", h.Actor.Name));

        await using var db = kit.Database.Open();
        var other = await db.RecordChanges.AsNoTracking().Where(c => c.EntityId == b.Id && c.Action == ChangeAction.Merged).ToListAsync(Ct);
        var row = Assert.Single(other);
        Assert.Equal(("mergedInto", $"陈静 (#{a.Id})"), (row.Field, row.NewValue));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task UndoPutsBothCustomersTheirRecordsAndTheirPairBackExactlyAsTheyWere(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var a = await kit.CreateAsync(admin, Survivor);
        var b = await kit.CreateAsync(admin, Other);
        await kit.RelatedAsync(a.Id, "a");
        await kit.RelatedAsync(b.Id, "b");
        await kit.ScanAsync();
        var pairBefore = Assert.Single(await kit.PairsAsync());
        var related = await kit.OwnersOfRelatedAsync();
        var search = await SearchTextsAsync(kit);

        var outcome = await kit.MergeAsync(admin, a.Id, b.Id, new() { ["email"] = "other", ["stage"] = "other", ["name"] = "other" });
        Assert.Equal(DuplicateStatus.Merged, Assert.Single(await kit.PairsAsync()).Status);
        kit.Clock.Advance(TimeSpan.FromMinutes(5));

        var undone = await kit.UndoAsync(admin, outcome.MergeId);

        Assert.Equal(kit.Clock.GetUtcNow().UtcDateTime, undone.UndoneAt);
        Assert.Equal(Comparable(a), Comparable(await kit.GetAsync(admin, a.Id)));
        Assert.Equal(Comparable(b), Comparable(await kit.GetAsync(admin, b.Id)));
        Assert.Equal(related, await kit.OwnersOfRelatedAsync());
        Assert.Equal(search, await SearchTextsAsync(kit));
        var pairAfter = Assert.Single(await kit.PairsAsync());
        Assert.Equal((pairBefore.CustomerId, pairBefore.OtherCustomerId, DuplicateStatus.Open, (DateTime?)null),
            (pairAfter.CustomerId, pairAfter.OtherCustomerId, pairAfter.Status, pairAfter.ResolvedAt));
        var byExternal = await kit.RunAsync<CustomerQueries, CustomerDetail>(q => q.GetByExternalIdAsync(admin, "ERP-2", Ct));
        Assert.Equal(b.Id, byExternal.Id);
        var history = await kit.RunAsync<CustomerQueries, IReadOnlyList<HistoryEntry>>(q => q.HistoryAsync(admin, a.Id, Ct));
        Assert.Contains(history, h => h.Action == ChangeAction.Unmerged && h.Field == "email" && h.NewValue == "chen.jing@example.cn");
        var revivedHistory = await kit.RunAsync<CustomerQueries, IReadOnlyList<HistoryEntry>>(q => q.HistoryAsync(admin, b.Id, Ct));
        Assert.Contains(revivedHistory, h => h.Action == ChangeAction.Unmerged && h.Field == "mergedInto");

        var twice = await Assert.ThrowsAsync<RuleViolation>(() => kit.UndoAsync(admin, outcome.MergeId));
        Assert.Equal(409, twice.Status);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task UndoIsRefusedWhileALaterMergeBuildsOnTheSurvivor(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var a = await kit.CreateAsync(admin, Survivor);
        var b = await kit.CreateAsync(admin, Other);
        var c = await kit.CreateAsync(admin, "陈静", "cj@example.org", externalId: "ERP-3");
        var d = await kit.CreateAsync(admin, "陈静", "cj2@example.org");

        var first = await kit.MergeAsync(admin, a.Id, b.Id);
        var second = await kit.MergeAsync(admin, c.Id, a.Id);
        var refused = await Assert.ThrowsAsync<RuleViolation>(() => kit.UndoAsync(admin, first.MergeId));
        Assert.Equal(409, refused.Status);
        Assert.Contains("was merged into another customer since", refused.Message);
        // b was merged into a, a into c: b's external id follows both merges.
        Assert.Equal(c.Id, (await kit.RunAsync<CustomerQueries, CustomerDetail>(q => q.GetByExternalIdAsync(admin, "ERP-2", Ct))).Id);

        await kit.UndoAsync(admin, second.MergeId);
        Assert.Equal(a.Id, (await kit.RunAsync<CustomerQueries, CustomerDetail>(q => q.GetByExternalIdAsync(admin, "ERP-2", Ct))).Id);
        var third = await kit.MergeAsync(admin, a.Id, d.Id);
        var blocked = await Assert.ThrowsAsync<RuleViolation>(() => kit.UndoAsync(admin, first.MergeId));
        Assert.Contains("undo that merge first", blocked.Message);
        await kit.UndoAsync(admin, third.MergeId);
        await kit.UndoAsync(admin, first.MergeId);
        Assert.Equal(b.Id, (await kit.RunAsync<CustomerQueries, CustomerDetail>(q => q.GetByExternalIdAsync(admin, "ERP-2", Ct))).Id);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnAgentCannotMergeAnotherOwnersCustomerAndNothingChanges(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var stranger = await kit.UserAsync(Role.Agent, "Stranger");
        var mine = await kit.CreateAsync(agent, Survivor);
        var theirs = await kit.CreateAsync(stranger, Other);
        await kit.RelatedAsync(theirs.Id, "t");

        await Assert.ThrowsAsync<NotFound>(() => kit.MergeAsync(agent, mine.Id, theirs.Id));
        await Assert.ThrowsAsync<NotFound>(() => kit.MergeAsync(agent, theirs.Id, mine.Id));
        Assert.Equal(Comparable(theirs), Comparable(await kit.GetAsync(stranger, theirs.Id)));
        Assert.All(await kit.OwnersOfRelatedAsync(), r => Assert.Equal(theirs.Id, r.Value));

        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var merge = await kit.MergeAsync(admin, mine.Id, theirs.Id);
        // The undo needs both in reach as well.
        await Assert.ThrowsAsync<NotFound>(() => kit.UndoAsync(agent, merge.MergeId));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync<DuplicateQueries, CustomerMergeView>(q => q.MergeAsync(agent, merge.MergeId, Ct)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task BadRequestsAreRefusedBeforeAnythingChanges(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var a = await kit.CreateAsync(admin, Survivor);
        var b = await kit.CreateAsync(admin, Other);

        var self = await Assert.ThrowsAsync<RuleViolation>(() => kit.MergeAsync(admin, a.Id, a.Id));
        Assert.Contains("mergeId", self.Errors.Keys);
        var none = await Assert.ThrowsAsync<RuleViolation>(() => kit.MergeAsync(admin, a.Id, 0));
        Assert.Contains("mergeId", none.Errors.Keys);
        var fields = await Assert.ThrowsAsync<RuleViolation>(() =>
            kit.MergeAsync(admin, a.Id, b.Id, new() { ["email"] = "theirs", ["externalId"] = "other", ["shoeSize"] = "other", ["age"] = "other", ["birthDate"] = "survivor" }));
        Assert.Equal(400, fields.Status);
        Assert.Equal(["fields.birthDate", "fields.email", "fields.externalId", "fields.shoeSize"], fields.Errors.Keys.Order(StringComparer.Ordinal));
        await Assert.ThrowsAsync<VersionConflict>(() => kit.MergeAsync(admin, a.Id, b.Id, expectedVersion: a.Version + 7));
        await Assert.ThrowsAsync<NotFound>(() => kit.MergeAsync(admin, a.Id, 999_999));

        // A viewer who sees both may still not merge them; one who sees neither does not learn they exist.
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var viewer = await kit.UserAsync(Role.Viewer, "Viewer");
        await Assert.ThrowsAsync<NotFound>(() => kit.MergeAsync(viewer, a.Id, b.Id));
        var mine = await kit.CreateAsync(agent, "陈静", "agent.copy@example.cn");
        var mine2 = await kit.CreateAsync(agent, "陈静", "agent.copy@example.cn");
        await kit.TeamAsync(agent.UserId, viewer.UserId);
        var teamViewer = await kit.ScopeAsync(viewer.UserId);
        await Assert.ThrowsAsync<Forbidden>(() => kit.MergeAsync(teamViewer, mine.Id, mine2.Id));

        Assert.Equal(Comparable(a), Comparable(await kit.GetAsync(admin, a.Id)));
        Assert.Equal(Comparable(b), Comparable(await kit.GetAsync(admin, b.Id)));
        await using var db = kit.Database.Open();
        Assert.Equal(0, await db.CustomerMerges.CountAsync(Ct));
    }

    [Fact]
    public void TheSideBySideViewListsEachFieldWithItsDefaultSide()
    {
        var now = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var actor = new ActorRef(ActorKind.User, 1, "Ada");
        var a = new CustomerDetail
        {
            Id = 1, Name = "陈静", Email = "a@example.cn", City = "上海", OwnerId = 1, Version = 1, CreatedBy = actor, UpdatedBy = actor,
            CreatedAt = now, UpdatedAt = now, CompanyId = 4, CompanyName = "星河科技",
            CustomFields = new Dictionary<string, JsonElement> { ["tier"] = JsonSerializer.SerializeToElement("gold") },
        };
        var b = a with
        {
            Id = 2, Email = "b@example.cn", City = null, BirthDate = new DateOnly(1990, 3, 2), Age = 36, CompanyId = null, CompanyName = null,
            CustomFields = new Dictionary<string, JsonElement> { ["size"] = JsonSerializer.SerializeToElement(3) },
        };

        var fields = MergeCustomers.Compare(a, b).ToDictionary(f => f.Key);

        Assert.Equal(["name", "email", "birthDate", "city", "company", "stage", "customFields.size", "customFields.tier"], MergeCustomers.Compare(a, b).Select(f => f.Key));
        Assert.False(fields["name"].Differs);
        Assert.Equal(new MergeField("email", "a@example.cn", "b@example.cn", true, MergeSide.Survivor), fields["email"]);
        Assert.Equal(new MergeField("birthDate", null, "1990-03-02 (36)", true, MergeSide.Other), fields["birthDate"]);
        Assert.Equal(new MergeField("company", "星河科技", null, true, MergeSide.Survivor), fields["company"]);
        Assert.Equal(new MergeField("customFields.size", null, "3", true, MergeSide.Other), fields["customFields.size"]);
        Assert.Equal("lead", fields["stage"].SurvivorText);
    }

    /// <summary>A detail without what every save changes (version and the last change's stamp), as JSON to compare by value.</summary>
    private static string Comparable(CustomerDetail d) =>
        JsonSerializer.Serialize(d with { Version = 0, UpdatedAt = default, UpdatedBy = new ActorRef(ActorKind.System, null, null) });

    private static async Task<List<string>> SearchTextsAsync(DuplicateKit kit)
    {
        await using var db = kit.Database.Open();
        return await db.Customers.AsNoTracking().OrderBy(c => c.Id).Select(c => c.SearchText + "|" + c.SearchGrams).ToListAsync(Ct);
    }
}
