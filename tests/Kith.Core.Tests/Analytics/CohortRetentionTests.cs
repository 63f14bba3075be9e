using Kith.Core.Analytics;
using Kith.Core.Behavior;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using static Kith.Core.Tests.Analytics.AnalyticsKit;

namespace Kith.Core.Tests.Analytics;

public sealed class CohortRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly AnalysisPeriod JanuaryToApril = new(At(2026, 1, 1), At(2026, 5, 1));

    /// <summary>
    /// Xu and Yan signed up in January, Zoe in February, Wei has no signup date and was recorded in February.
    /// Events: Xu access Dec (before signup, not counted), access Jan, access Feb, like Mar; Yan access Mar;
    /// Zoe access Feb, purchase Feb, access Apr. Purchases: Xu 5 Feb, Zoe 20 Feb, Yan 1 Mar.
    /// The agent owns Xu and Zoe.
    /// </summary>
    private static async Task<(AccessScope Admin, AccessScope Agent)> HandCaseAsync(AnalyticsKit kit)
    {
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var xu = await kit.CustomerAsync(agent, "Xu", signup: new DateOnly(2026, 1, 15));
        var yan = await kit.CustomerAsync(admin, "Yan", signup: new DateOnly(2026, 1, 20));
        var zoe = await kit.CustomerAsync(agent, "Zoe", signup: new DateOnly(2026, 2, 3));
        await kit.CustomerAsync(admin, "Wei", createdAt: At(2026, 2, 10, 8));
        var gone = await kit.CustomerAsync(admin, "Gone", signup: new DateOnly(2026, 1, 2), deleted: true);
        await kit.EventAsync(gone, "access", At(2026, 1, 3));
        await kit.EventAsync(xu, "access", At(2025, 12, 30));
        await kit.EventAsync(xu, "access", At(2026, 1, 16));
        await kit.EventAsync(xu, "access", At(2026, 2, 1));
        await kit.EventAsync(xu, "access", At(2026, 2, 28, 23, 59));
        await kit.EventAsync(xu, "like", At(2026, 3, 31, 23, 59));
        await kit.EventAsync(yan, "access", At(2026, 3, 2));
        await kit.EventAsync(zoe, "access", At(2026, 2, 4));
        await kit.EventAsync(zoe, "purchase", At(2026, 2, 20));
        await kit.EventAsync(zoe, "access", At(2026, 4, 30, 23, 59));
        await kit.PurchaseAsync(xu, At(2026, 2, 5), 10);
        await kit.PurchaseAsync(zoe, At(2026, 2, 20), 10);
        await kit.PurchaseAsync(yan, At(2026, 3, 1), 10);
        return (admin, agent);
    }

    private static Task<CohortTable> TableAsync(AnalyticsKit kit, AccessScope scope, CohortBy by, string? type, AnalysisPeriod? period = null, bool refresh = false) =>
        kit.RunAsync<CohortRetention, CohortTable>(c => c.HandleAsync(scope, by, type, period ?? JanuaryToApril, refresh, Ct));

    private static object[] Shape(CohortTable table) =>
        table.Cohorts.Select(c => (object)$"{c.Month} {c.Customers}: {string.Join(" ", c.Active)}").ToArray();

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task SignupCohortsCountCustomersActiveInEachMonthAfterTheirSignupMonth(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var (admin, agent) = await HandCaseAsync(kit);

        var any = await TableAsync(kit, admin, CohortBy.Signup, null);
        Assert.Equal(new object[] { "2026-01 2: 1 1 2 0", "2026-02 2: 1 0 1" }, Shape(any));
        Assert.Equal(new[] { 0.5, 0.5, 1.0, 0.0 }, any.Cohorts[0].Share);
        var access = await TableAsync(kit, admin, CohortBy.Signup, "access");
        Assert.Equal(new object[] { "2026-01 2: 1 1 1 0", "2026-02 2: 1 0 1" }, Shape(access));
        var agents = await TableAsync(kit, agent, CohortBy.Signup, null);
        Assert.Equal(new object[] { "2026-01 1: 1 1 1 0", "2026-02 1: 1 0 1" }, Shape(agents));
        // A shorter period cuts cohorts and the months after them alike.
        var february = await TableAsync(kit, admin, CohortBy.Signup, null, new AnalysisPeriod(At(2026, 2, 1), At(2026, 3, 1)));
        Assert.Equal(new object[] { "2026-02 2: 1" }, Shape(february));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task FirstPurchaseCohortsStartInTheMonthOfEachCustomersFirstPurchase(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var (admin, _) = await HandCaseAsync(kit);
        var table = await TableAsync(kit, admin, CohortBy.FirstPurchase, null);
        Assert.Equal(new object[] { "2026-02 2: 2 1 1", "2026-03 1: 1 0" }, Shape(table));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CountsAreKeptWithTheirTimeUntilARefreshRetakesThem(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var (admin, _) = await HandCaseAsync(kit);
        var first = await TableAsync(kit, admin, CohortBy.Signup, null);
        var taken = first.ComputedAt;
        kit.Clock.Advance(TimeSpan.FromHours(1));
        var yun = await kit.CustomerAsync(admin, "Yun", signup: new DateOnly(2026, 1, 5));
        await kit.EventAsync(yun, "access", At(2026, 4, 2));

        var cached = await TableAsync(kit, admin, CohortBy.Signup, null);
        Assert.Equal(taken, cached.ComputedAt);
        Assert.Equal(2, cached.Cohorts[0].Customers);
        var fresh = await TableAsync(kit, admin, CohortBy.Signup, null, refresh: true);
        Assert.Equal(taken.AddHours(1), fresh.ComputedAt);
        Assert.Equal(new object[] { "2026-01 3: 1 1 2 1", "2026-02 2: 1 0 1" }, Shape(fresh));
    }

    /// <summary>
    /// A few hundred customers of three owners (some deleted, some merged away, some without a signup date) with
    /// events of three types over two years and purchases: every table the count gives, by each basis and type, for
    /// each owner's reach, equals the definition worked out here from the same rows. On SQLite this drives the
    /// ordered scan in two parts (split by customer for any event, by month for one type).
    /// </summary>
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CountsEqualTheDefinitionOverManyCustomersAndMonths(DatabaseProvider provider)
    {
        await using var kit = await StartAsync(provider);
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var owners = new[] { admin, await kit.UserAsync(Role.Agent, "Bo"), await kit.UserAsync(Role.Agent, "Cy") };
        var random = new Random(20261127);
        var types = new[] { "access", "like", "purchase" };
        var customers = new List<Customer>();
        var events = new List<(int Customer, string Type, DateTime At)>();
        var purchases = new List<(int Customer, DateTime At)>();
        DateTime Day() => At(2025, 1, 1).AddDays(random.Next(0, 730)).AddMinutes(random.Next(0, 1440));
        await using (var db = kit.Database.Open())
        {
            for (var i = 0; i < 300; i++)
            {
                var created = Day();
                customers.Add(new Customer
                {
                    Name = $"C{i}", OwnerId = owners[random.Next(owners.Length)].UserId, ExternalId = $"gen{i}",
                    SignupDate = random.Next(4) == 0 ? null : DateOnly.FromDateTime(Day()), CreatedAt = created, UpdatedAt = created,
                    DeletedAt = random.Next(15) == 0 ? created : null,
                });
            }
            db.Customers.AddRange(customers);
            await db.SaveChangesAsync(Ct);
            for (var i = 0; i < 300; i += 37)
            {
                customers[i].MergedIntoId = customers[i + 1].Id;
                customers[i].DeletedAt = customers[i].CreatedAt;
            }
            for (var i = 0; i < 2_000; i++) events.Add((random.Next(300), types[random.Next(types.Length)], Day()));
            for (var i = 0; i < 400; i++) purchases.Add((random.Next(300), Day()));
            var n = 0;
            db.BehaviorEvents.AddRange(events.Select(e => new BehaviorEvent { EventId = $"gen-{n++}", CustomerId = customers[e.Customer].Id, Type = e.Type, OccurredAt = e.At }));
            db.Purchases.AddRange(purchases.Select(p => new Kith.Core.Purchases.Purchase
            {
                CustomerId = customers[p.Customer].Id, OrderedAt = p.At, Product = "Tea", AmountMicros = 1, CreatedAt = p.At,
            }));
            await db.SaveChangesAsync(Ct);
        }

        static int Month(DateTime t) => t.Year * 12 + t.Month - 1;
        var period = new AnalysisPeriod(At(2025, 1, 1), At(2027, 1, 1));
        var live = Enumerable.Range(0, 300).Where(i => customers[i].DeletedAt is null).ToList();
        foreach (var by in new[] { CohortBy.Signup, CohortBy.FirstPurchase })
        {
            var cohortOf = new Dictionary<int, int>();
            foreach (var i in live)
            {
                if (by == CohortBy.Signup)
                    cohortOf[i] = customers[i].SignupDate is { } d ? d.Year * 12 + d.Month - 1 : Month(customers[i].CreatedAt);
                else if (purchases.Where(p => p.Customer == i).Select(p => (DateTime?)p.At).Min() is { } first)
                    cohortOf[i] = Month(first);
            }
            foreach (var type in new string?[] { null, "like" })
            {
                foreach (var scope in owners)
                {
                    var mine = cohortOf.Where(c => scope.OwnerIds is null || scope.OwnerIds.Contains(customers[c.Key].OwnerId)).ToList();
                    var expected = new List<object>();
                    for (var m = Month(period.From); m <= Month(period.To.AddTicks(-1)); m++)
                    {
                        var members = mine.Where(c => c.Value == m).Select(c => c.Key).ToHashSet();
                        if (members.Count == 0) continue;
                        var active = Enumerable.Range(0, Month(period.To.AddTicks(-1)) - m + 1)
                            .Select(k => events.Where(e => members.Contains(e.Customer) && (type is null || e.Type == type) && Month(e.At) == m + k)
                                .Select(e => e.Customer).Distinct().Count());
                        expected.Add($"{m / 12:0000}-{m % 12 + 1:00} {members.Count}: {string.Join(" ", active)}");
                    }
                    var table = await TableAsync(kit, scope, by, type, period);
                    Assert.Equal(expected.ToArray(), Shape(table));
                }
            }
        }
    }

    [Fact]
    public void BadParametersSayWhichOneIsWrong()
    {
        Assert.Contains("by", Assert.Throws<RuleViolation>(() => CohortRetention.ParseBy("week")).Errors.Keys);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));
        Assert.Contains("from", Assert.Throws<RuleViolation>(() => AnalysisPeriod.Parse("yesterday", null, clock)).Errors.Keys);
        Assert.Contains("to", Assert.Throws<RuleViolation>(() => AnalysisPeriod.Parse(null, "2026-13-01", clock)).Errors.Keys);
        Assert.Contains("from", Assert.Throws<RuleViolation>(() => AnalysisPeriod.Parse("2026-04-01", "2026-03-31", clock)).Errors.Keys);
        // Dates .NET can read but not move a day or a year from are refused, not a 500.
        Assert.Contains("to", Assert.Throws<RuleViolation>(() => AnalysisPeriod.Parse(null, "9999-12-31", clock)).Errors.Keys);
        Assert.Contains("to", Assert.Throws<RuleViolation>(() => AnalysisPeriod.Parse(null, "0001-06-01", clock)).Errors.Keys);
        Assert.Contains("from", Assert.Throws<RuleViolation>(() => AnalysisPeriod.Parse("0001-01-01T00:00:00Z", "2026-03-31", clock)).Errors.Keys);
        var whole = AnalysisPeriod.Parse("2026-03-01", "2026-03-31", clock);
        Assert.Equal((At(2026, 3, 1), At(2026, 4, 1)), (whole.From, whole.To));
        var fallback = AnalysisPeriod.Parse(null, null, clock);
        Assert.Equal((At(2025, 5, 2), At(2026, 5, 2)), (fallback.From, fallback.To));
    }
}
