using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Listing;

public sealed class ListEngineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<ListPage<CustomerListItem>> List(RecordKit kit, AccessScope scope, ListRequest request) =>
        kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(scope, request, Ct));

    /// <summary>Every page of a list, two rows a page, following the cursors; each row as <paramref name="show"/> writes it.</summary>
    private static async Task<List<string>> PagesOfTwo(RecordKit kit, AccessScope scope, string sort, string? filter, string? q, Func<CustomerListItem, string> show)
    {
        var rows = new List<string>();
        string? cursor = null;
        do
        {
            var page = await List(kit, scope, new ListRequest(q, filter, sort, 2, cursor));
            rows.AddRange(page.Items.Select(show));
            cursor = page.NextCursor;
        } while (cursor is not null);
        return rows;
    }

    private static async Task<List<string>> Names(RecordKit kit, AccessScope scope, string? q, string? filter = null) =>
        (await List(kit, scope, new ListRequest(q, filter, "name", 1000))).Items.Select(i => i.Name).Order(StringComparer.Ordinal).ToList();

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task SearchFindsSubstringsOfChineseAndLatinNamesEmailsPhoneDigitsAndCompanies(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        await kit.CreateAsync(agent, new CustomerInput { Name = "王小明", Phone = "13800138000" });
        await kit.CreateAsync(agent, new CustomerInput { Name = "李明华", Email = "lmh@qq.com" });
        await kit.CreateAsync(agent, new CustomerInput { Name = "Anna Schmidt", Email = "anna.schmidt@gmail.com" });
        await kit.CreateAsync(agent, new CustomerInput { Name = "Johann 100%_sure", Phone = "+49 30 901820" });

        Assert.Equal(["李明华", "王小明"], await Names(kit, agent, "明"));
        Assert.Equal(["王小明"], await Names(kit, agent, "小明"));
        Assert.Equal(["Anna Schmidt"], await Names(kit, agent, "SCHMI"));
        Assert.Equal(["Anna Schmidt"], await Names(kit, agent, "gmail.com"));
        Assert.Equal(["王小明"], await Names(kit, agent, "0013 8000"));
        Assert.Equal(["Johann 100%_sure"], await Names(kit, agent, "100%_"));
        Assert.Empty(await Names(kit, agent, "10%"));
        Assert.Equal(["Anna Schmidt", "Johann 100%_sure", "李明华"], await Names(kit, agent, "h"));
        Assert.Empty(await Names(kit, agent, "明 x"));
        var tooLong = await Assert.ThrowsAsync<RuleViolation>(() => List(kit, agent, new ListRequest(new string('a', 201), null, null)));
        Assert.Contains("q", tooLong.Errors.Keys);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ASummaryFieldSortsAndFiltersPageByPageOverCustomersWithAndWithoutASummary(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var ids = new List<long>();
        for (var i = 0; i < 7; i++) ids.Add((await kit.CreateAsync(agent, new CustomerInput { Name = $"C{i}" })).Id);
        // Customer i visits i times (C0 never); C3 and C4 visit equally often; C6 is deleted.
        var at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await kit.RunAsync(async sp =>
        {
            var db = sp.GetRequiredService<KithDb>();
            for (var i = 1; i < 7; i++)
                for (var v = 0; v < (i == 4 ? 3 : i); v++)
                    db.BehaviorEvents.Add(new Kith.Core.Behavior.BehaviorEvent { EventId = $"e{i}.{v}", CustomerId = ids[i], Type = "access", OccurredAt = at.AddHours(i * 10 + v) });
            await db.SaveChangesAsync(Ct);
            await new Kith.Core.Behavior.BehaviorRollup(db, TimeProvider.System).CatchUpAsync(Ct);
            await db.Customers.Where(c => c.Id == ids[6]).ExecuteUpdateAsync(u => u.SetProperty(c => c.DeletedAt, at), Ct);
        });
        // Created after the catch-up: no summary yet, listed among those without one.
        ids.Add((await kit.CreateAsync(agent, new CustomerInput { Name = "C7" })).Id);

        Task<List<string>> Pages(string sort, string? filter) => PagesOfTwo(kit, agent, sort, filter, null, i => $"{i.Name}:{i.Behavior?.Visits}");

        // Ties broken by id; customers without a summary where each database sorts NULLs (SQLite first ascending, PostgreSQL last).
        string[] counted = ["C5:5", "C4:3", "C3:3", "C2:2", "C1:1"], without = ["C7:", "C0:"];
        Assert.Equal(provider == DatabaseProvider.Sqlite ? [.. counted, .. without] : [.. without, .. counted], await Pages("-visits", null));
        Assert.Equal(provider == DatabaseProvider.Sqlite ? [.. without.Reverse(), .. counted.Reverse()] : [.. counted.Reverse(), .. without.Reverse()],
            await Pages("visits", null));
        Assert.Equal(["C5:5", "C4:3", "C3:3"], await Pages("-lastSeenAt", "visits ge 3"));
        Assert.Equal(["C7:", "C2:2", "C1:1", "C0:"], await Pages("-id", "visits lt 3 or visits isnull"));
        var count = await kit.RunAsync(sp => sp.GetRequiredService<ListEngine>().CountAsync(CustomerQueries.Schema, agent, "visits ge 2", Ct));
        Assert.Equal((4L, false), count);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ScoresSortPageByPageWithTiesBrokenByIdAndTheUnscoredLastInBothDirections(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var ids = new List<long>();
        for (var i = 0; i < 7; i++) ids.Add((await kit.CreateAsync(agent, new CustomerInput { Name = $"C{i}" })).Id);
        // C0 is not scored; C2 and C3 share a risk; C4 has no value model's score and C5 no churn model's; C6 is deleted.
        (int I, double? Risk, long? Value)[] scores = [(1, 0.2, 10), (2, 0.5, 20), (3, 0.5, 5), (4, 0.9, null), (5, null, 30), (6, 0.99, 99)];
        await kit.RunAsync(async sp =>
        {
            var db = sp.GetRequiredService<KithDb>();
            foreach (var (i, risk, value) in scores)
                db.CustomerScores.Add(new Kith.Core.Predictions.CustomerScore
                {
                    CustomerId = ids[i], ChurnRisk = risk, ExpectedValueMicros = value * Kith.Core.Purchases.Purchase.MicrosPerUnit, ComputedAt = DateTime.UtcNow,
                });
            await db.SaveChangesAsync(Ct);
            await db.Customers.Where(c => c.Id == ids[6]).ExecuteUpdateAsync(u => u.SetProperty(c => c.DeletedAt, DateTime.UtcNow), Ct);
        });

        Task<List<string>> Pages(string sort, string? filter = null, string? q = null) =>
            PagesOfTwo(kit, agent, sort, filter, q, i => $"{i.Name}:{i.Scores?.ChurnRisk}/{i.Scores?.ExpectedValue}");

        // The tie of C3 and C2 falls across a page boundary; those without a value follow in id order, on both databases.
        Assert.Equal(["C4:0.9/", "C3:0.5/5", "C2:0.5/20", "C1:0.2/10", "C5:/30", "C0:/"], await Pages("-churnRisk"));
        Assert.Equal(["C1:0.2/10", "C2:0.5/20", "C3:0.5/5", "C4:0.9/", "C0:/", "C5:/30"], await Pages("churnRisk"));
        Assert.Equal(["C5:/30", "C2:0.5/20", "C1:0.2/10", "C3:0.5/5", "C4:0.9/", "C0:/"], await Pages("-expectedValue"));
        Assert.Equal(["C3:0.5/5", "C1:0.2/10", "C2:0.5/20", "C5:/30", "C0:/", "C4:0.9/"], await Pages("expectedValue"));
        // With a filter: one that keeps many (the sort's index is walked), one that keeps few (the filter drives), and a search.
        Assert.Equal(["C4:0.9/", "C3:0.5/5", "C2:0.5/20"], await Pages("-churnRisk", "churnRisk ge 0.5"));
        Assert.Equal(["C5:/30", "C0:/"], await Pages("-churnRisk", "name in (C0, C5)"));
        Assert.Equal(["C3:0.5/5", "C2:0.5/20"], await Pages("-churnRisk", "name in (C2, C3)"));
        Assert.Equal(["C4:0.9/"], await Pages("-churnRisk", null, "C4"));
        Assert.Equal(6, (await Pages("-churnRisk", null, "c")).Count);
        var refused = await Assert.ThrowsAsync<RuleViolation>(() => List(kit, agent, new ListRequest(null, null, "-nosuch")));
        Assert.Contains("churnRisk, expectedValue", refused.Message);
    }

    [Fact]
    public void ADigitSearchUsesTheRareThreeDigitTokensInsteadOfTheCommonPairs()
    {
        Assert.Equal(["t996", "t969", "t699"], Kith.Core.Search.SearchGrams.QueryTokens("99699"));
        var record = Kith.Core.Search.SearchGrams.Tokens("8613999699123").Split(' ');
        Assert.Contains("t996", record);
        Assert.Contains("b00390039", record);
        Assert.Equal(2, Kith.Core.Search.SearchGrams.QueryTokens("a12").Count(t => t.StartsWith('b')));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task FiltersCombineFieldsTagsOwnersStagesDatesAndCustomFields(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var adminId = await kit.UserAsync(Role.Admin, "admin");
        var admin = await kit.ScopeAsync(adminId);
        var otherId = await kit.UserAsync(Role.Agent, "other");
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "tier", Label = "Tier", Type = CustomFieldType.Choice, Choices = ["gold", "silver"] }, admin, Ct));
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "score", Label = "Score", Type = CustomFieldType.Number }, admin, Ct));
        JsonElement J(string json) => JsonDocument.Parse(json).RootElement.Clone();
        await kit.CreateAsync(admin, new CustomerInput { Name = "A", Stage = LifecycleStage.Customer, City = "Shanghai", Age = 31, Tags = ["VIP"], Email = "a@gmail.com",
            CustomFields = new() { ["tier"] = J("\"gold\""), ["score"] = J("7.5") } });
        await kit.CreateAsync(admin, new CustomerInput { Name = "B", Stage = LifecycleStage.Customer, City = "Shanghai", Age = 25, Tags = ["vip"], Phone = "13800138000",
            CustomFields = new() { ["tier"] = J("\"silver\""), ["score"] = J("12") } });
        await kit.CreateAsync(admin, new CustomerInput { Name = "C", Stage = LifecycleStage.Lead, City = "Beijing", Age = 40, OwnerId = otherId, SignupDate = new DateOnly(2024, 5, 1) });
        await kit.CreateAsync(admin, new CustomerInput { Name = "D \"quoted\"", Stage = LifecycleStage.Churned });

        Assert.Equal(["A"], await Names(kit, admin, null, "stage eq customer and city eq \"Shanghai\" and age ge 30 and tag eq vip"));
        Assert.Equal(["A", "B"], await Names(kit, admin, null, "tag eq VIP"));
        Assert.Equal(["C", "D \"quoted\""], await Names(kit, admin, null, "tag isnull"));
        Assert.Equal(["C"], await Names(kit, admin, null, $"owner eq {otherId}"));
        Assert.Equal(["A", "B", "D \"quoted\""], await Names(kit, admin, null, "owner eq me"));
        Assert.Equal(["A"], await Names(kit, admin, null, "email contains \"GMAIL\""));
        Assert.Equal(["B"], await Names(kit, admin, null, "cf.tier eq silver"));
        Assert.Equal(["B"], await Names(kit, admin, null, "cf.score gt 10"));
        Assert.Equal(["A", "B"], await Names(kit, admin, null, "cf.score ge 7.5"));
        Assert.Equal(["C", "D \"quoted\""], await Names(kit, admin, null, "cf.tier isnull"));
        Assert.Equal(["A", "C", "D \"quoted\""], await Names(kit, admin, null, "phone isnull"));
        Assert.Equal(["C", "D \"quoted\""], await Names(kit, admin, null, "stage in (lead, churned)"));
        Assert.Equal(["C"], await Names(kit, admin, null, "signupDate ge 2024-01-01"));
        Assert.Equal(["A", "B", "C", "D \"quoted\""], await Names(kit, admin, null, "createdAt ge 2024-01-01"));
        Assert.Equal(["C", "D \"quoted\""], await Names(kit, admin, null, "not (city eq Shanghai)"));
        Assert.Equal(["A", "C"], await Names(kit, admin, null, "age gt 30 or name eq \"A\""));
        Assert.Equal(["D \"quoted\""], await Names(kit, admin, null, "name eq \"D \\\"quoted\\\"\""));
        Assert.Equal(["B", "C", "D \"quoted\""], await Names(kit, admin, null, "city ne Shanghai or age lt 30"));
    }

    /// <summary>
    /// A rare value of an indexed field or a tag drives the page from its index on SQLite (ADR-0057); inside an OR it
    /// cannot, so "(F) or (F)" runs the plan from before: both must list the same records in the same order, with the same totals.
    /// </summary>
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AFilterDrivenByARareTermsIndexListsWhatTheSamePlanWithoutItLists(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var adminId = await kit.UserAsync(Role.Admin, "admin");
        var admin = await kit.ScopeAsync(adminId);
        var agentId = await kit.UserAsync(Role.Agent, "agent");
        var agent = await kit.ScopeAsync(agentId);
        await SeedAsync(kit, adminId, 61);
        var tagged = new List<long>();
        for (var i = 0; i < 9; i++)
            tagged.Add((await kit.CreateAsync(admin, new CustomerInput
            {
                Name = $"Tagged {i % 4}", Stage = i % 3 == 0 ? LifecycleStage.Customer : LifecycleStage.Lead, City = i < 5 ? "Shanghai" : null,
                Tags = i == 0 ? ["VIP", "Gold"] : ["vip"], OwnerId = i % 2 == 1 ? agentId : null,
            })).Id);
        await kit.RunAsync(sp => sp.GetRequiredService<KithDb>().Customers.Where(c => c.Id == tagged[3])
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.DeletedAt, DateTime.UtcNow), Ct));

        string[] filters = ["stage eq churned", "stage in (customer, churned)", "tag eq vip", "tag in (gold, silver)", "tag eq vip and stage eq customer",
            "city eq \"Shanghai\" and tag eq VIP", "tag eq nobody", "stage eq customer and city eq \"Beijing\"", "stage eq prospect and age ge 40"];
        foreach (var scope in new[] { admin, agent })
        foreach (var filter in filters)
        foreach (var sort in new[] { "-updatedAt", "name", "-city", "stage", "-churnRisk" })
        {
            var (driven, drivenTotal) = await Pages(scope, sort, filter);
            var (plain, plainTotal) = await Pages(scope, sort, $"({filter}) or ({filter})");
            Assert.Equal(plain, driven);
            Assert.Equal(plainTotal, drivenTotal);
            Assert.Equal(plain.Count, drivenTotal.Total);
        }
        Assert.Equal(8, (await Pages(admin, "name", "tag eq vip")).Ids.Count);
        Assert.Equal(3, (await Pages(agent, "name", "tag eq vip")).Ids.Count);

        async Task<(List<long> Ids, (long Total, bool Estimate))> Pages(AccessScope scope, string sort, string filter)
        {
            var ids = new List<long>();
            (long, bool) first = default;
            string? cursor = null;
            do
            {
                var page = await List(kit, scope, new ListRequest(null, filter, sort, 4, cursor));
                if (cursor is null) first = (page.Total, page.TotalIsEstimate);
                ids.AddRange(page.Items.Select(i => i.Id));
                cursor = page.NextCursor;
            } while (cursor is not null);
            return (ids, first);
        }
    }

    [Theory]
    [InlineData("stage eq customer and city eq Shanghai", 2)]
    [InlineData("tag in (vip, gold) and age ge 30", 1)]
    [InlineData("signupDate eq 2024-01-01", 1)]
    [InlineData("stage eq customer or city eq Shanghai", 0)]
    [InlineData("not (stage eq customer) and tag ne vip", 0)]
    [InlineData("stage ne customer and phoneIsValid eq true and source eq web and city contains x", 0)]
    public void OnlyEqualitiesOfTheTopLevelAndOnAnIndexedFieldOrATagMayDriveAndOnlyOnSqlite(string filter, int terms)
    {
        var sqlite = new SqlBuilder(DatabaseProvider.Sqlite, CustomerQueries.Schema, [], 1);
        sqlite.Compile(FilterParser.Parse(filter)!);
        Assert.Equal(terms, sqlite.IndexedTerms.Count);
        // The stage is written +t.stage in the filter so that it never drives unless chosen; its driving term has no +.
        Assert.All(sqlite.IndexedTerms, t => Assert.DoesNotContain("+t.", t.Sql));
        var postgres = new SqlBuilder(DatabaseProvider.Postgres, CustomerQueries.Schema, [], 1);
        postgres.Compile(FilterParser.Parse(filter)!);
        Assert.Empty(postgres.IndexedTerms);
    }

    [Theory]
    [InlineData("name eq 'x'; DROP TABLE customers--", "position 9")]
    [InlineData("nickname eq x", "Unknown field 'nickname'")]
    [InlineData("name like x", "Expected an operator")]
    [InlineData("age ge thirty", "is not a whole number")]
    [InlineData("stage eq king", "one of lead, prospect, customer, churned")]
    [InlineData("(stage eq lead", "is not closed")]
    [InlineData("name eq \"open", "no closing double quote")]
    [InlineData("stage contains le", "does not take 'contains'")]
    [InlineData("cf.nothing eq 1", "no custom field 'nothing'")]
    [InlineData("age eq 1 age eq 2", "expected 'and', 'or' or the end")]
    [InlineData("createdAt ge yesterday", "is not a date")]
    public async Task AFilterThatIsNotValidIsRefusedNamingTheProblemAndWhere(string filter, string expected)
    {
        await using var kit = await RecordKit.StartAsync(DatabaseProvider.Sqlite);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var e = await Assert.ThrowsAsync<RuleViolation>(() => List(kit, agent, new ListRequest(null, filter, null)));
        Assert.Equal(400, e.Status);
        Assert.Contains(expected, e.Errors["filter"][0], StringComparison.Ordinal);
        await using var db = kit.Database.Open();
        Assert.Equal(0, await db.Customers.CountAsync(Ct));
    }

    [Theory]
    [InlineData("-", "Cannot sort by")]
    [InlineData("email", "Cannot sort by 'email'")]
    [InlineData("name; DROP TABLE customers", "Cannot sort by")]
    [InlineData("cf.missing", "no custom field 'missing'")]
    public async Task ASortThatIsNotValidIsRefused(string sort, string expected)
    {
        await using var kit = await RecordKit.StartAsync(DatabaseProvider.Sqlite);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var e = await Assert.ThrowsAsync<RuleViolation>(() => List(kit, agent, new ListRequest(null, null, sort)));
        Assert.Contains(expected, e.Errors["sort"][0], StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task KeysetPagesVisitEveryRecordExactlyOnceInOrderForEverySort(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var adminId = await kit.UserAsync(Role.Admin, "admin");
        var admin = await kit.ScopeAsync(adminId);
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "score", Label = "Score", Type = CustomFieldType.Number }, admin, Ct));
        await SeedAsync(kit, adminId, 157);

        foreach (var sort in new[] { "name", "-name", "createdAt", "-updatedAt", "city", "-city", "age", "-age", "signupDate", "stage", "cf.score", "-cf.score", "id", "-id" })
        {
            var seen = new List<CustomerListItem>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = await List(kit, admin, new ListRequest(null, "name ne skip", sort, 10, cursor));
                Assert.Equal(157, page.Total);
                Assert.False(page.TotalIsEstimate);
                seen.AddRange(page.Items);
                cursor = page.NextCursor;
                pages++;
            } while (cursor is not null && pages < 100);
            Assert.Equal(16, pages);
            Assert.Equal(157, seen.Select(s => s.Id).Distinct().Count());
            Assert.Equal(157, seen.Count);
            if (sort.TrimStart('-') == "age")
            {
                var ages = seen.Select(s => s.Age).ToList();
                var nonNull = ages.Where(a => a is not null).ToList();
                Assert.Equal(sort.StartsWith('-') ? nonNull.OrderDescending() : nonNull.Order(), nonNull);
                Assert.Equal(157 - nonNull.Count, ages.Count(a => a is null));
            }
            if (sort == "id") Assert.Equal(seen.Select(s => s.Id).Order(), seen.Select(s => s.Id));
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ACursorOfAnotherQueryOrADamagedOneIsRefusedAndTheLimitStaysWithinOneToAThousand(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var adminId = await kit.UserAsync(Role.Admin, "admin");
        var admin = await kit.ScopeAsync(adminId);
        await SeedAsync(kit, adminId, 30);
        var first = await List(kit, admin, new ListRequest(null, null, "name", 10));
        Assert.NotNull(first.NextCursor);

        var other = await Assert.ThrowsAsync<RuleViolation>(() => List(kit, admin, new ListRequest(null, "age gt 3", "name", 10, first.NextCursor)));
        Assert.Contains("cursor", other.Errors.Keys);
        foreach (var bad in new[] { "garbage!!", "eyJzIjoibmFtZSJ9", first.NextCursor![..^3] + "AAA", new string('A', 5000) })
        {
            var e = await Assert.ThrowsAsync<RuleViolation>(() => List(kit, admin, new ListRequest(null, null, "name", 10, bad)));
            Assert.Contains("cursor", e.Errors.Keys);
        }
        foreach (var limit in new[] { 0, -1, 1001, 100_000 })
        {
            var e = await Assert.ThrowsAsync<RuleViolation>(() => List(kit, admin, new ListRequest(null, null, null, limit)));
            Assert.Contains("limit", e.Errors.Keys);
        }
        Assert.Equal(30, (await List(kit, admin, new ListRequest(null, null, null, 1000))).Items.Count);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheTotalIsExactUpToTheCapAndAboveItAnEstimateLabelledAsOne(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var adminId = await kit.UserAsync(Role.Admin, "admin");
        var admin = await kit.ScopeAsync(adminId);
        await SeedAsync(kit, adminId, 12_000);

        var all = await List(kit, admin, new ListRequest(null, null, null, 5));
        Assert.True(all.TotalIsEstimate);
        Assert.InRange(all.Total, ListEngine.CountCap + 1, 36_000);
        var many = await List(kit, admin, new ListRequest(null, "stage eq customer", null, 5));
        Assert.True(many.TotalIsEstimate);
        Assert.InRange(many.Total, 1_000, 9_000);
        var few = await List(kit, admin, new ListRequest(null, "age eq 20", null, 5));
        Assert.False(few.TotalIsEstimate);
        await using var db = kit.Database.Open();
        Assert.Equal(await db.Customers.CountAsync(c => c.Age == 20, Ct), few.Total);

        var searched = await List(kit, admin, new ListRequest("person 12 c", null, null, 2));
        Assert.False(searched.TotalIsEstimate);
        Assert.Equal(await db.Customers.CountAsync(c => c.Name.StartsWith("Person 12 C"), Ct), searched.Total);
        var next = await List(kit, admin, new ListRequest("person 12 c", null, null, 2, searched.NextCursor));
        Assert.Equal(searched.Total, next.Total);
        Assert.Empty(next.Items.Select(i => i.Id).Intersect(searched.Items.Select(i => i.Id)));
        var dense = await List(kit, admin, new ListRequest("person", null, null, 5));
        Assert.True(dense.TotalIsEstimate);
        Assert.InRange(dense.Total, 1_001, 12_000);
    }

    /// <summary>
    /// A search picks its plan from how many records match and how many hold its grams: a dense one walks the sort
    /// index with LIKE alone, a rare one reads its candidates, in between the sort index is walked against the
    /// candidates, and common grams with few matches walk the index to the end. Each must give every match once, in
    /// the list's order, for the admin and for an agent who reaches a part of the records.
    /// </summary>
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EverySearchPlanGivesEveryMatchOnceInTheDefaultOrder(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var adminId = await kit.UserAsync(Role.Admin, "admin");
        var agentId = await kit.UserAsync(Role.Agent, "agent");
        await SeedAsync(kit, adminId, 12_000);
        await SeedAsync(kit, agentId, 3_000);
        var admin = await kit.ScopeAsync(adminId);
        var agent = await kit.ScopeAsync(agentId);
        List<(long Id, DateTime UpdatedAt, long OwnerId, string Text)> rows;
        await using (var db = kit.Database.Open())
            rows = (await db.Customers.AsNoTracking().Select(c => new { c.Id, c.UpdatedAt, c.OwnerId, c.SearchText }).ToListAsync(Ct))
                .Select(c => (c.Id, c.UpdatedAt, c.OwnerId, c.SearchText)).ToList();

        // dense ("person 1": about 1,900 matches), rare ("person 12 c"), common grams with few matches ("erson 5 a":
        // its rarest grams are in every name), candidates walked in order ("n 1" for the agent: 340 matches among
        // 1,700 candidates), a handful ("n 12 c"), digits, and no match at all.
        foreach (var q in new[] { "person 1", "person 12 c", "erson 5 a", "n 1", "n 12 c", "12", "son 96 z", "person 1 zz" })
        {
            foreach (var (who, scope) in new[] { ("admin", admin), ("agent", agent) })
            {
                var expected = rows.Where(r => r.Text.Contains(q, StringComparison.Ordinal) && (who == "admin" || r.OwnerId == agentId))
                    .OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id).Select(r => r.Id).ToList();
                var seen = new List<long>();
                string? cursor = null;
                do
                {
                    var page = await List(kit, scope, new ListRequest(q, null, null, 200, cursor));
                    seen.AddRange(page.Items.Select(i => i.Id));
                    cursor = page.NextCursor;
                    if (seen.Count == 200 && expected.Count > 200) Assert.InRange(page.Total, 200, 4 * expected.Count);
                    if (!page.TotalIsEstimate) Assert.Equal(expected.Count, page.Total);
                }
                while (cursor is not null);
                Assert.True(expected.SequenceEqual(seen), $"'{q}' as {who}: {seen.Count} found, {expected.Count} expected");
            }
        }
    }

    /// <summary>Customers with a spread of names, cities (some missing), ages (some missing) and stages, written in bulk.</summary>
    internal static async Task SeedAsync(RecordKit kit, long ownerId, int count)
    {
        await using var db = kit.Database.Open();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var cities = new[] { "Shanghai", "Beijing", null, "Shenzhen", "Hangzhou", "上海" };
        var stages = Enum.GetValues<LifecycleStage>();
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var start = 0; start < count; start += 2_000)
        {
            for (var i = start; i < Math.Min(count, start + 2_000); i++)
            {
                var c = new Customer
                {
                    Name = $"Person {i % 97} {(char)('A' + i % 26)}", City = cities[i % cities.Length], Age = i % 7 == 0 ? null : 18 + i % 50,
                    Stage = stages[i % stages.Length], OwnerId = ownerId, SignupDate = i % 3 == 0 ? null : new DateOnly(2020, 1, 1).AddDays(i % 400),
                    CustomFields = i % 4 == 0 ? "{}" : $"{{\"score\":{i % 13}}}",
                };
                c.StampCreated(Actor.System, now.AddSeconds(i % 500));
                CustomerWriter.SetSearch(c, null);
                db.Customers.Add(c);
            }
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            db.ChangeTracker.Clear();
        }
    }
}
