using Kith.Core.Analytics;
using Kith.Core.Behavior;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Analytics;

/// <summary>
/// A fresh, migrated database with the analyses wired as the host wires them, and writers that put customers,
/// purchases, events and communications straight into it, so each test states its small case by hand.
/// </summary>
internal sealed class AnalyticsKit : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private int _next;

    private AnalyticsKit(TestDatabase database, ServiceProvider services, FakeTimeProvider clock)
    {
        Database = database;
        _services = services;
        Clock = clock;
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static DateTime At(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);

    public static async Task<AnalyticsKit> StartAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddKithDatabase(database.Options)
            .AddKithAnalytics()
            .BuildServiceProvider();
        return new AnalyticsKit(database, services, clock);
    }

    public async Task<T> RunAsync<THandler, T>(Func<THandler, Task<T>> work) where THandler : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<THandler>());
    }

    public async Task<AccessScope> UserAsync(Role role, string name)
    {
        await using var db = Database.Open();
        var user = new User { Email = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com", DisplayName = name, Role = role, CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        await db.SaveChangesAsync(Ct);
        return await AccessScope.ForUserAsync(db, user.Id, Ct) ?? throw new InvalidOperationException("no such user");
    }

    public async Task<long> CustomerAsync(AccessScope owner, string name, DateOnly? signup = null, DateTime? createdAt = null,
        LifecycleStage stage = LifecycleStage.Customer, bool deleted = false, long? mergedInto = null)
    {
        await using var db = Database.Open();
        var created = createdAt ?? At(2026, 1, 1);
        var customer = new Customer
        {
            Name = name, OwnerId = owner.UserId, SignupDate = signup, Stage = stage, CreatedAt = created, UpdatedAt = created,
            DeletedAt = deleted || mergedInto is not null ? created : null, MergedIntoId = mergedInto, ExternalId = $"x{++_next}",
        };
        db.Customers.Add(customer);
        await db.SaveChangesAsync(Ct);
        return customer.Id;
    }

    public async Task PurchaseAsync(long customerId, DateTime at, decimal amount, string product = "Tea")
    {
        await using var db = Database.Open();
        db.Purchases.Add(new Purchase
        {
            CustomerId = customerId, OrderedAt = at, Product = product, AmountMicros = (long)(amount * Purchase.MicrosPerUnit), CreatedAt = at,
        });
        await db.SaveChangesAsync(Ct);
    }

    public async Task EventAsync(long customerId, string type, DateTime at, string? page = null)
    {
        await using var db = Database.Open();
        db.BehaviorEvents.Add(new BehaviorEvent { EventId = $"e{++_next}", CustomerId = customerId, Type = type, OccurredAt = at, Page = page });
        await db.SaveChangesAsync(Ct);
    }

    public async Task CommunicationAsync(long customerId, string channel, DateTime at, string? outcome = null)
    {
        await using var db = Database.Open();
        db.Communications.Add(new Communication
        {
            CustomerId = customerId, Channel = channel, OccurredAt = at, Outcome = outcome, CreatedAt = at, CreatedByKind = ActorKind.User,
        });
        await db.SaveChangesAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
