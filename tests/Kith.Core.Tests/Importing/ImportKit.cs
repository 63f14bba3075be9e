using System.Text;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// A fresh, migrated database with every use case wired as the host wires them, files written to its folder, and
/// imports driven the way the CLI drives them: <see cref="StartImport"/>, then <see cref="ImportRunner.RunAsync"/>.
/// Each call is one request: its own scope and DbContext.
/// </summary>
internal sealed class ImportKit : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private int _files;

    private ImportKit(TestDatabase database, ServiceProvider services, FakeTimeProvider clock)
    {
        Database = database;
        _services = services;
        Clock = clock;
    }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }
    public DatabaseProvider Provider => Database.Options.Provider;

    public static async Task<ImportKit> StartAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddKithDatabase(database.Options)
            .AddKithCore()
            .BuildServiceProvider();
        return new ImportKit(database, services, clock);
    }

    public KithDb Open() => Database.Open();

    public async Task<T> RunAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public async Task<(long Id, string Email)> UserAsync(Role role, string name)
    {
        await using var db = Open();
        var user = new User { Email = $"{name.ToLowerInvariant()}@example.com", DisplayName = name, Role = role, CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        await db.SaveChangesAsync(Ct);
        return (user.Id, user.Email);
    }

    public async Task<AccessScope> ScopeAsync(long userId)
    {
        await using var db = Open();
        return await AccessScope.ForUserAsync(db, userId) ?? throw new InvalidOperationException("no such user");
    }

    public async Task<AccessScope> AdminAsync() => await ScopeAsync((await UserAsync(Role.Admin, "admin")).Id);

    /// <summary>Writes a UTF-8 file (without BOM) into the test's folder and returns its path.</summary>
    public string File(string content, string extension = ".csv")
    {
        var folder = Path.Combine(Database.Folder, "files");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"file{++_files}{extension}");
        System.IO.File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    /// <summary>A CSV file from a header line and rows (lines joined with \n).</summary>
    public string Csv(string header, params string[] rows) => File(string.Join("\n", [header, .. rows]) + "\n");

    public Task<ImportJob> StartAsync(ImportKind kind, string path, AccessScope scope, ImportOptions? options = null) =>
        RunAsync(async sp =>
        {
            await using var stream = System.IO.File.OpenRead(path);
            return await sp.GetRequiredService<StartImport>().HandleAsync(kind, stream, Path.GetFileName(path), options ?? new ImportOptions(), scope,
                ActorKind.User, Ct, runHere: true);
        });

    public Task<ImportReport> RunJobAsync(long jobId, CancellationToken ct = default, CancellationToken stopping = default, IProgress<ImportProgress>? progress = null) =>
        RunAsync(sp => sp.GetRequiredService<ImportRunner>().RunAsync(jobId, progress, ct == default ? Ct : ct, stopping));

    /// <summary>Starts and runs an import to its end.</summary>
    public async Task<ImportReport> ImportAsync(ImportKind kind, string path, AccessScope scope, ImportOptions? options = null)
    {
        var job = await StartAsync(kind, path, scope, options);
        return await RunJobAsync(job.Id);
    }

    public async Task<ImportJob> JobAsync(long id)
    {
        await using var db = Open();
        return await db.ImportJobs.AsNoTracking().SingleAsync(j => j.Id == id, Ct);
    }

    /// <summary>Every customer, hidden ones too, with their tags, by id.</summary>
    public async Task<List<Customer>> CustomersAsync()
    {
        await using var db = Open();
        return await db.Customers.AsNoTracking().Include(c => c.Tags).OrderBy(c => c.Id).ToListAsync(Ct);
    }

    public async Task<Customer> CustomerAsync(string externalId)
    {
        await using var db = Open();
        return await db.Customers.AsNoTracking().Include(c => c.Tags).Include(c => c.Company).SingleAsync(c => c.ExternalId == externalId, Ct);
    }

    /// <summary>Row counts of the tables an import writes, to compare before and after.</summary>
    public async Task<Dictionary<string, long>> CountsAsync()
    {
        await using var db = Open();
        return new Dictionary<string, long>
        {
            ["customers"] = await db.Customers.LongCountAsync(Ct),
            ["companies"] = await db.Companies.LongCountAsync(Ct),
            ["tags"] = await db.Tags.LongCountAsync(Ct),
            ["purchases"] = await db.Purchases.LongCountAsync(Ct),
            ["communications"] = await db.Communications.LongCountAsync(Ct),
            ["events"] = await db.BehaviorEvents.LongCountAsync(Ct),
            ["pairs"] = await db.DuplicatePairs.LongCountAsync(Ct),
            ["merges"] = await db.CustomerMerges.LongCountAsync(Ct),
            ["history"] = await db.RecordChanges.LongCountAsync(Ct),
            ["changes"] = await db.ImportChanges.LongCountAsync(Ct),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
