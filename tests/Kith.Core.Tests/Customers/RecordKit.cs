using Kith.Core.Cases;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Segments;
using Kith.Core.Predictions;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Customers;

/// <summary>
/// A fresh, migrated database with the record handlers wired as the host wires them, and a clock the test moves.
/// Each call of <see cref="RunAsync{T}"/> is one request: its own scope and its own DbContext.
/// </summary>
internal sealed class RecordKit : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private RecordKit(TestDatabase database, ServiceProvider services, FakeTimeProvider clock)
    {
        Database = database;
        _services = services;
        Clock = clock;
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }

    public static async Task<RecordKit> StartAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddKithDatabase(database.Options)
            .AddKithRecords()
            .AddKithSegments()
            .AddKithPredictions()
            .AddKithCommunications()
            .AddKithCases()
            .BuildServiceProvider();
        return new RecordKit(database, services, clock);
    }

    public async Task<T> RunAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public async Task RunAsync(Func<IServiceProvider, Task> work)
    {
        await using var scope = _services.CreateAsyncScope();
        await work(scope.ServiceProvider);
    }

    public async Task<long> UserAsync(Role role, string name)
    {
        await using var db = Database.Open();
        var user = new User { Email = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com", DisplayName = name, Role = role, CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    public async Task TeamAsync(params long[] members)
    {
        await using var db = Database.Open();
        var team = new Team { Name = "team-" + Guid.NewGuid().ToString("N")[..8], CreatedAt = DateTime.UtcNow };
        db.Teams.Add(team);
        await db.SaveChangesAsync();
        foreach (var m in members) db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = m });
        await db.SaveChangesAsync();
    }

    public async Task<AccessScope> ScopeAsync(long userId)
    {
        await using var db = Database.Open();
        return await AccessScope.ForUserAsync(db, userId) ?? throw new InvalidOperationException("no such user");
    }

    public Task<CustomerDetail> CreateAsync(AccessScope scope, CustomerInput input) =>
        RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(input, scope, ActorKind.User, TestContext.Current.CancellationToken));

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
