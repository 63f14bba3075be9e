using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Search;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Search;

public sealed class RebuildSearchIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ADatabaseIndexedByTheOldGramsIsIndexedAgainOnStartAndSearchesAcrossWordsFindTheRightRecords(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agentId = await kit.UserAsync(Role.Agent, "agent");
        var agent = await kit.ScopeAsync(agentId);
        var acme = await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = "Acme Trading" }, agent, ActorKind.User, Ct));
        await kit.CreateAsync(agent, new CustomerInput { Name = "Patricia Miller", CompanyId = acme.Id });
        await kit.CreateAsync(agent, new CustomerInput { Name = "Patricia Garcia" });
        await kit.CreateAsync(agent, new CustomerInput { Name = "王 小明", Email = "wang.l@example.com" });
        await kit.CreateAsync(agent, new CustomerInput { Name = "Wang Li" });
        var deleted = await kit.CreateAsync(agent, new CustomerInput { Name = "Wang Lei" });
        await kit.RunAsync(sp => sp.GetRequiredService<DeleteCustomer>().HandleAsync(deleted.Id, null, agent, ActorKind.User, Ct));

        // The index as Kith before word joins made it: the same grams without the "w" tokens, no version stored.
        await using (var db = kit.Database.Open())
        {
            var customers = await db.Customers.IgnoreQueryFilters().Select(c => new { c.Id, c.SearchGrams }).ToListAsync(Ct);
            foreach (var c in customers)
                await db.Database.ExecuteSqlRawAsync("UPDATE customers SET search_grams = {0} WHERE id = {1}", [WithoutWordJoins(c.SearchGrams), c.Id], Ct);
            var stored = await db.Companies.IgnoreQueryFilters().Select(c => new { c.Id, c.SearchGrams }).ToListAsync(Ct);
            foreach (var c in stored)
                await db.Database.ExecuteSqlRawAsync("UPDATE companies SET search_grams = {0} WHERE id = {1}", [WithoutWordJoins(c.SearchGrams), c.Id], Ct);
            await db.Settings.Where(s => s.Key == RebuildSearchIndex.VersionKey).ExecuteDeleteAsync(Ct);
            Assert.Equal(1, await RebuildSearchIndex.StoredVersionAsync(db, Ct));
        }
        // A query cut by the new rules asks for grams the old index never held.
        Assert.Empty(await CustomerNamesAsync(kit, agent, "patricia m"));

        var reports = new List<SearchIndexProgress>();
        await using (var db = kit.Database.Open())
        {
            await DatabaseInitializer.MigrateAsync(db, new Recorder(reports), Ct);
            Assert.Equal(SearchGrams.IndexVersion, await RebuildSearchIndex.StoredVersionAsync(db, Ct));
            var grams = await db.Customers.IgnoreQueryFilters().OrderBy(c => c.Id).Select(c => new { c.SearchText, c.SearchGrams }).ToListAsync(Ct);
            Assert.All(grams, g => Assert.Equal(SearchGrams.Tokens(g.SearchText), g.SearchGrams));
            if (provider == DatabaseProvider.Sqlite)
            {
                // FTS5 compares its index with the table's grams and fails on any difference.
                await db.Database.ExecuteSqlRawAsync("INSERT INTO customers_search(customers_search) VALUES ('integrity-check')", Ct);
                await db.Database.ExecuteSqlRawAsync("INSERT INTO companies_search(companies_search) VALUES ('integrity-check')", Ct);
            }
        }
        Assert.Contains(new SearchIndexProgress("customers", 5, 5), reports);
        Assert.Contains(new SearchIndexProgress("companies", 1, 1), reports);

        Assert.Equal(["Patricia Miller"], await CustomerNamesAsync(kit, agent, "patricia m"));
        Assert.Equal(["Patricia Miller"], await CustomerNamesAsync(kit, agent, "acme tr"));
        Assert.Equal(["Wang Li"], await CustomerNamesAsync(kit, agent, "wang l"));
        Assert.Equal(["王 小明"], await CustomerNamesAsync(kit, agent, "王 小"));
        Assert.Equal(["王 小明"], await CustomerNamesAsync(kit, agent, "wang.l@"));
        Assert.Equal(["Patricia Garcia", "Patricia Miller"], await CustomerNamesAsync(kit, agent, "patricia"));
        var companies = await kit.RunAsync(sp => sp.GetRequiredService<CompanyQueries>().ListAsync(agent, new ListRequest("acme t", null, "name", 100), Ct));
        Assert.Equal(["Acme Trading"], companies.Items.Select(i => i.Name));

        // The next start finds the index current and leaves it alone.
        await using (var db = kit.Database.Open())
            Assert.False(await RebuildSearchIndex.EnsureCurrentAsync(db, null, Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ANewDatabaseIsMarkedCurrentWithoutARebuild(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        await using var db = kit.Database.Open();
        Assert.Equal(SearchGrams.IndexVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            await db.Settings.Where(s => s.Key == RebuildSearchIndex.VersionKey).Select(s => s.Value).SingleAsync(Ct));
        Assert.False(await RebuildSearchIndex.EnsureCurrentAsync(db, null, Ct));
    }

    private static async Task<List<string>> CustomerNamesAsync(RecordKit kit, AccessScope scope, string q) =>
        (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(scope, new ListRequest(q, null, "name", 100), Ct)))
            .Items.Select(i => i.Name).Order(StringComparer.Ordinal).ToList();

    private static string WithoutWordJoins(string grams) => string.Join(' ', grams.Split(' ').Where(t => !t.StartsWith('w')));

    /// <summary>Records every report as it comes (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Recorder(List<SearchIndexProgress> reports) : IProgress<SearchIndexProgress>
    {
        public void Report(SearchIndexProgress value) => reports.Add(value);
    }
}
