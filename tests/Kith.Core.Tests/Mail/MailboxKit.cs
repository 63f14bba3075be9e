using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

[assembly: AssemblyFixture(typeof(Dovecot))]

namespace Kith.Core.Tests.Mail;

/// <summary>A fresh database with the mail handlers wired as the host wires them, and helpers to make users, customers and mailboxes.</summary>
internal sealed class MailboxKit : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private MailboxKit(TestDatabase database, ServiceProvider services, FakeTimeProvider clock)
    {
        Database = database;
        _services = services;
        Clock = clock;
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<MailboxKit> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddKithDatabase(database.Options)
            // The test mail servers listen on loopback, which Kith refuses unless the operator allows it.
            .AddSingleton(new OutboundAddresses(["127.0.0.1"]))
            .AddKithCore()
            .BuildServiceProvider();
        return new MailboxKit(database, services, clock);
    }

    public async Task<T> RunAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public Task<T> RunAsync<THandler, T>(Func<THandler, Task<T>> work) where THandler : notnull =>
        RunAsync(sp => work(sp.GetRequiredService<THandler>()));

    public async Task<(long Id, string Email)> UserAsync(Role role, string name)
    {
        await using var db = Database.Open();
        var user = new User { Email = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@staff.example", DisplayName = name, Role = role, CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        await db.SaveChangesAsync(Ct);
        return (user.Id, user.Email);
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

    public async Task<AccessScope> ScopeAsync(long userId)
    {
        await using var db = Database.Open();
        return await AccessScope.ForUserAsync(db, userId, Ct) ?? throw new InvalidOperationException("no such user");
    }

    /// <summary>Customers straight into the database (the customer rules are tested elsewhere).</summary>
    public async Task<List<long>> CustomersAsync(long ownerId, params (string Name, string Email)[] people)
    {
        await using var db = Database.Open();
        var now = DateTime.UtcNow;
        var rows = people.Select(p => new Customer
        {
            Name = p.Name, Email = p.Email.ToLowerInvariant(), OwnerId = ownerId, CreatedAt = now, UpdatedAt = now,
            CreatedByKind = ActorKind.System, UpdatedByKind = ActorKind.System, Version = 1,
        }).ToList();
        db.Customers.AddRange(rows);
        await db.SaveChangesAsync(Ct);
        return rows.Select(r => r.Id).ToList();
    }

    public Task<MailboxView> ConnectAsync(AccessScope owner, Dovecot dovecot, string user, string password, string address, int? imapPort = null, int smtpPort = 25,
        MailVisibility visibility = MailVisibility.Participants) =>
        RunAsync<ConnectMailbox, MailboxView>(h => h.HandleAsync(new MailboxInput
        {
            Name = "Work", Address = address, ImapHost = dovecot.Host, ImapPort = imapPort ?? dovecot.Port, ImapSecurity = MailSecurity.None, ImapUser = user,
            SmtpHost = "127.0.0.1", SmtpPort = smtpPort, SmtpSecurity = MailSecurity.None, SmtpUser = user, Password = password, Visibility = visibility,
        }, owner, null, Ct));

    public Task<MailSyncRunView> SyncAsync(long mailboxId) =>
        RunAsync<SyncMailbox, MailSyncRunView>(h => h.HandleAsync(mailboxId, "test", Ct));

    public Task<MailboxView> ViewAsync(AccessScope scope, long mailboxId) =>
        RunAsync<MailQueries, MailboxView>(q => q.MailboxAsync(scope, mailboxId, Ct));

    public async Task<(int Messages, int Communications, int Links)> CountsAsync()
    {
        await using var db = Database.Open();
        return (await db.EmailMessages.CountAsync(Ct), await db.Communications.CountAsync(c => c.Channel == "email", Ct), await db.EmailLinks.CountAsync(Ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
