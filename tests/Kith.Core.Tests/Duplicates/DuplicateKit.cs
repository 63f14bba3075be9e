using Kith.Core.Behavior;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Duplicates;

/// <summary>
/// A fresh, migrated database with the record and duplicate handlers wired as the host wires them. Each
/// <see cref="RunAsync{T}"/> is one request: its own scope and DbContext.
/// </summary>
internal sealed class DuplicateKit : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private DuplicateKit(TestDatabase database, ServiceProvider services, FakeTimeProvider clock)
    {
        Database = database;
        _services = services;
        Clock = clock;
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<DuplicateKit> StartAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddKithDatabase(database.Options)
            .AddKithRecords()
            .AddKithDuplicates()
            .BuildServiceProvider();
        return new DuplicateKit(database, services, clock);
    }

    public async Task<T> RunAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public Task<T> RunAsync<THandler, T>(Func<THandler, Task<T>> work) where THandler : notnull =>
        RunAsync(sp => work(sp.GetRequiredService<THandler>()));

    public async Task<AccessScope> UserAsync(Role role, string name)
    {
        await using var db = Database.Open();
        var user = new User { Email = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com", DisplayName = name, Role = role, CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        await db.SaveChangesAsync(Ct);
        return await AccessScope.ForUserAsync(db, user.Id, Ct) ?? throw new InvalidOperationException("no such user");
    }

    public async Task TeamAsync(params long[] members)
    {
        await using var db = Database.Open();
        var team = new Team { Name = "team-" + Guid.NewGuid().ToString("N")[..8], CreatedAt = DateTime.UtcNow };
        db.Teams.Add(team);
        await db.SaveChangesAsync(Ct);
        foreach (var m in members) db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = m });
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>The scope of a user as it is now (after team changes).</summary>
    public async Task<AccessScope> ScopeAsync(long userId)
    {
        await using var db = Database.Open();
        return await AccessScope.ForUserAsync(db, userId, Ct) ?? throw new InvalidOperationException("no such user");
    }

    /// <summary>
    /// Creates a customer. Creating refuses an email a live customer in reach already has (ADR-0018), so a planted
    /// duplicate is made as people make them: created with another email, then changed to the shared one.
    /// </summary>
    public async Task<CustomerDetail> CreateAsync(AccessScope scope, CustomerInput input)
    {
        try
        {
            return await RunAsync<CreateCustomer, CustomerDetail>(h => h.HandleAsync(input, scope, ActorKind.User, Ct));
        }
        catch (EmailTaken)
        {
            var email = input.Email;
            input.Email = null;
            var created = await RunAsync<CreateCustomer, CustomerDetail>(h => h.HandleAsync(input, scope, ActorKind.User, Ct));
            input.Email = email;
            return await RunAsync<UpdateCustomer, CustomerDetail>(h => h.HandleAsync(created.Id, input, null, scope, ActorKind.User, Ct));
        }
    }

    public Task<CustomerDetail> CreateAsync(AccessScope scope, string name, string? email = null, string? phone = null, string? externalId = null, string? city = null) =>
        CreateAsync(scope, new CustomerInput { Name = name, Email = email, Phone = phone, ExternalId = externalId, City = city });

    public Task<DuplicateScanResult> ScanAsync(int readChunk = 10_000) =>
        RunAsync(sp => new FindDuplicates(sp.GetRequiredService<KithDb>(), Clock) { ReadChunk = readChunk }.RunAsync(null, Ct));

    public Task<CustomerDetail> GetAsync(AccessScope scope, long id) =>
        RunAsync<CustomerQueries, CustomerDetail>(q => q.GetAsync(scope, id, Ct));

    public Task<MergeOutcome> MergeAsync(AccessScope scope, long survivorId, long mergeId, Dictionary<string, string?>? fields = null, int? expectedVersion = null) =>
        RunAsync<MergeCustomers, MergeOutcome>(h => h.HandleAsync(survivorId, new MergeInput { MergeId = mergeId, Fields = fields ?? [] },
            expectedVersion, scope, ActorKind.User, Ct));

    public Task<CustomerMergeView> UndoAsync(AccessScope scope, long mergeId) =>
        RunAsync<UndoMerge, CustomerMergeView>(h => h.HandleAsync(mergeId, scope, ActorKind.User, Ct));

    public async Task<List<DuplicatePair>> PairsAsync()
    {
        await using var db = Database.Open();
        return await db.DuplicatePairs.AsNoTracking().OrderBy(p => p.CustomerId).ThenBy(p => p.OtherCustomerId).ToListAsync(Ct);
    }

    /// <summary>Two purchases, one communication and three behaviour events of a customer, written straight to the database.</summary>
    public async Task<(long[] Purchases, long[] Communications, long[] Events)> RelatedAsync(long customerId, string prefix)
    {
        await using var db = Database.Open();
        var at = new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc);
        var purchases = Enumerable.Range(1, 2).Select(i => new Purchase
        {
            OrderId = $"{prefix}-order-{i}", CustomerId = customerId, OrderedAt = at.AddDays(i), Product = "Tea", Quantity = i,
            AmountMicros = i * 12_500_000, Currency = "CNY", CreatedAt = at,
        }).ToList();
        var communication = new Communication
        {
            ExternalId = $"{prefix}-call", CustomerId = customerId, Channel = "phone", OccurredAt = at, Subject = "Hello",
            CreatedAt = at, CreatedByKind = ActorKind.User,
        };
        var events = Enumerable.Range(1, 3).Select(i => new BehaviorEvent
        {
            EventId = $"{prefix}-event-{i}", CustomerId = customerId, Type = "access", OccurredAt = at.AddHours(i), Page = "/p",
        }).ToList();
        db.Purchases.AddRange(purchases);
        db.Communications.Add(communication);
        db.BehaviorEvents.AddRange(events);
        await db.SaveChangesAsync(Ct);
        // A follow-up task on the customer, and the customer as a participant of the call.
        var assignee = await db.Users.Select(u => u.Id).FirstAsync(Ct);
        db.Tasks.Add(new Kith.Core.Tasks.TaskItem { Title = $"{prefix}-task", AssigneeId = assignee, CustomerId = customerId, CreatedAt = at, TimelineAt = at });
        db.CommunicationParticipants.Add(new CommunicationParticipant { CommunicationId = communication.Id, CustomerId = customerId });
        // A service case, an answered survey and its feedback.
        db.Cases.Add(new Kith.Core.Cases.ServiceCase { Subject = $"{prefix}-case", CustomerId = customerId, DueAt = at.AddDays(1), CreatedAt = at, UpdatedAt = at });
        var survey = new Kith.Core.Feedback.FeedbackSurvey { CustomerId = customerId, TokenHash = $"{prefix}-token", SentTo = "a@example.com", SentAt = at, ExpiresAt = at.AddDays(30) };
        db.FeedbackSurveys.Add(survey);
        db.Feedback.Add(new Kith.Core.Feedback.FeedbackEntry { CustomerId = customerId, Score = 4, Comment = $"{prefix}-feedback", AnsweredAt = at, CreatedAt = at });
        await db.SaveChangesAsync(Ct);
        return ([.. purchases.Select(p => p.Id)], [communication.Id], [.. events.Select(e => e.Id)]);
    }

    /// <summary>Who each related record belongs to now, by kind and id.</summary>
    public async Task<Dictionary<string, long>> OwnersOfRelatedAsync()
    {
        await using var db = Database.Open();
        var map = new Dictionary<string, long>();
        foreach (var p in await db.Purchases.AsNoTracking().ToListAsync(Ct)) map["purchase " + p.OrderId] = p.CustomerId;
        foreach (var c in await db.Communications.AsNoTracking().ToListAsync(Ct)) map["communication " + c.ExternalId] = c.CustomerId;
        foreach (var e in await db.BehaviorEvents.AsNoTracking().ToListAsync(Ct)) map["event " + e.EventId] = e.CustomerId;
        foreach (var t in await db.Tasks.AsNoTracking().ToListAsync(Ct)) map["task " + t.Title] = t.CustomerId!.Value;
        foreach (var c in await db.Cases.AsNoTracking().ToListAsync(Ct)) map["case " + c.Subject] = c.CustomerId;
        foreach (var f in await db.Feedback.AsNoTracking().ToListAsync(Ct)) map["feedback " + f.Comment] = f.CustomerId;
        foreach (var v in await db.FeedbackSurveys.AsNoTracking().ToListAsync(Ct)) map["survey " + v.TokenHash] = v.CustomerId;
        foreach (var p in await db.CommunicationParticipants.AsNoTracking().Where(p => p.CustomerId != null).ToListAsync(Ct))
            map["participant " + p.Id] = p.CustomerId!.Value;
        return map;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
