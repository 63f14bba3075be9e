using System.Diagnostics;
using System.Globalization;
using Kith.Core.Behavior;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Core.Tasks;
using Kith.Core.Timeline;

// Kith.TimelineBench: the customer-timeline benchmark of docs/benchmarks.md. One customer with 5,000 entries
// (communications, purchases, behaviour events, record changes, tasks) among other customers' rows, then the
// server-side time of each timeline page: a fresh DbContext and AccessScope per page, as a request gets.
//   Kith.TimelineBench [--provider sqlite|postgres] [--database CONN] [--data-dir DIR] [--noise N]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var opts = new Dictionary<string, string>();
for (var i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
var dataDir = opts.GetValueOrDefault("data-dir") ?? Path.Combine(Path.GetTempPath(), "kith-timeline-bench-" + Guid.NewGuid().ToString("N")[..8]);
var database = DatabaseOptions.Resolve(dataDir, opts.GetValueOrDefault("provider") ?? "sqlite", opts.GetValueOrDefault("database"));
var noise = int.Parse(opts.GetValueOrDefault("noise") ?? "50000", CultureInfo.InvariantCulture);
var ct = CancellationToken.None;

await using (var db = DatabaseRegistration.Open(database))
{
    if (database.Provider == DatabaseProvider.Postgres) await db.Database.EnsureDeletedAsync(ct);
    await DatabaseInitializer.MigrateAsync(db, ct);
}
var (userId, customerId, counts) = await Seed.RunAsync(database, noise, ct);
Console.WriteLine($"{database.Provider}: customer {customerId} has {counts}; {noise:N0} communications of 50 other customers around it");

var scenarios = new (string Name, TimelineFilter Filter, bool Walk, int Repeat)[]
{
    ("first page, everything", new TimelineFilter(), false, 200),
    ("every page, everything (walk to the end)", new TimelineFilter(), true, 3),
    ("every page, behaviour only", new TimelineFilter(Types: ["behavior"]), true, 3),
    ("first page, channel=wechat", new TimelineFilter(Channels: ["wechat"]), false, 200),
    ("first page, q=delivery", new TimelineFilter(Query: "delivery"), false, 200),
    ("first page, communications only", new TimelineFilter(Types: ["communication"]), false, 100),
    ("first page, tasks only", new TimelineFilter(Types: ["task"]), false, 100),
    ("first page, purchases only", new TimelineFilter(Types: ["purchase"]), false, 100),
    ("first page, changes only", new TimelineFilter(Types: ["change"]), false, 100),
    ("first page, behaviour only", new TimelineFilter(Types: ["behavior"]), false, 100),
};
Console.WriteLine("| scenario | pages | p50 ms | p95 ms | max ms |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
foreach (var (name, filter, walk, repeat) in scenarios)
{
    var times = new List<double>();
    for (var r = 0; r < repeat + 1; r++)
    {
        string? cursor = null;
        var run = new List<double>();
        do
        {
            var sw = Stopwatch.StartNew();
            await using var db = DatabaseRegistration.Open(database);
            var scope = await AccessScope.ForUserAsync(db, userId, ct) ?? throw new InvalidOperationException("no user");
            var page = await new CustomerTimeline(db).PageAsync(scope, customerId, filter, cursor, 50, ct);
            run.Add(sw.Elapsed.TotalMilliseconds);
            cursor = walk ? page.NextCursor : null;
        } while (cursor is not null);
        if (r > 0) times.AddRange(run); // the first round warms caches and the JIT
    }
    times.Sort();
    double P(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
    Console.WriteLine($"| {name} | {times.Count} | {P(0.5):F1} | {P(0.95):F1} | {times[^1]:F1} |");
}
if (database.Provider == DatabaseProvider.Sqlite && !opts.ContainsKey("data-dir")) Directory.Delete(dataDir, true);
return 0;

internal static class Seed
{
    /// <summary>Writes the rows with EF in batches; the measured customer gets 5,000 timeline entries.</summary>
    public static async Task<(long UserId, long CustomerId, string Counts)> RunAsync(DatabaseOptions database, int noise, CancellationToken ct)
    {
        var rng = new Random(42);
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await using var db = DatabaseRegistration.Open(database);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var user = new User { Email = "bench@example.com", DisplayName = "Bench", Role = Role.Agent, CreatedAt = start };
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        var customers = Enumerable.Range(0, 51).Select(i => new Customer
        {
            Name = $"Customer {i}", OwnerId = user.Id, CreatedAt = start, UpdatedAt = start, Version = 1, SearchText = "", SearchGrams = "",
        }).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync(ct);
        var target = customers[0].Id;
        string[] channels = ["phone", "email", "wechat", "sms", "weibo", "meeting", "chat"];
        string[] outcomes = ["resolved", "follow_up", "no_answer", "interested", "not_interested", "complaint"];
        Communication Comm(long customer, int i) => new()
        {
            CustomerId = customer, Channel = channels[rng.Next(channels.Length)], Direction = rng.Next(2) == 0 ? Direction.Inbound : Direction.Outbound,
            OccurredAt = start.AddMinutes(rng.Next(2 * 365 * 24 * 60)), Subject = $"Re: ticket {i % 9973}",
            Content = i % 10 == 0 ? "The delivery was late again; customer asked for a refund." : "Asked about the order status and payment options.",
            Outcome = outcomes[rng.Next(outcomes.Length)], CreatedAt = start,
            Visibility = i % 5 == 0 ? CommunicationVisibility.Participants : CommunicationVisibility.Customer,
            Participants = [new CommunicationParticipant { UserId = user.Id }],
        };
        // The target: 2,000 communications, 1,000 purchases, 1,500 behaviour events, 300 tasks, 200 changes = 5,000.
        for (var i = 0; i < 2000; i++) db.Communications.Add(Comm(target, i));
        for (var i = 0; i < 1000; i++)
            db.Purchases.Add(new Purchase { CustomerId = target, OrderedAt = start.AddMinutes(rng.Next(2 * 365 * 24 * 60)), Product = $"Product {i % 40}", AmountMicros = 1_000_000L * rng.Next(1, 500), CreatedAt = start });
        for (var i = 0; i < 1500; i++)
            db.BehaviorEvents.Add(new BehaviorEvent { CustomerId = target, Type = i % 3 == 0 ? "like" : "access", OccurredAt = start.AddMinutes(rng.Next(2 * 365 * 24 * 60)) });
        for (var i = 0; i < 300; i++)
        {
            var task = new TaskItem { Title = $"Follow up {i}", AssigneeId = user.Id, CustomerId = target, DueAt = start.AddMinutes(rng.Next(2 * 365 * 24 * 60)), CreatedAt = start };
            task.PlaceOnTimeline();
            db.Tasks.Add(task);
        }
        for (var i = 0; i < 200; i++)
            db.RecordChanges.Add(new RecordChange
            {
                EntityType = ChangeLog.CustomerEntity, EntityId = target, ChangeSet = Guid.NewGuid(), Action = ChangeAction.Updated, Field = "city",
                OldValue = "上海", NewValue = "杭州", ActorKind = Kith.Core.Infrastructure.ActorKind.User, ActorUserId = user.Id, At = start.AddMinutes(rng.Next(2 * 365 * 24 * 60)),
            });
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        for (var i = 0; i < noise; i++)
        {
            db.Communications.Add(Comm(customers[1 + i % 50].Id, i));
            if (i % 5000 == 4999)
            {
                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        await DatabaseInitializer.OptimizeAsync(db, ct);
        if (database.Provider == DatabaseProvider.Postgres)
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database, "ANALYZE", ct);
        return (user.Id, target, "2,000 communications, 1,000 purchases, 1,500 behaviour events, 300 tasks and 200 changes (5,000 entries)");
    }
}
