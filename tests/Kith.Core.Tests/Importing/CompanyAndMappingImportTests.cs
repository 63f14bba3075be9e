using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Importing;

/// <summary>Company imports, and the mapping options (--map, saved templates) through the engine.</summary>
public sealed class CompanyAndMappingImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CompaniesMatchByExternalIdDomainOrNameAndAReRunChangesNothing(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var file = kit.Csv("company_id,name,domain,industry,employees,tags",
            "K1,Acme,https://acme.example/,Retail,120,key account",
            "K2,Globex,globex.example,,,",
            ",Initech,,Software,,",
            "K3,Acme Two,acme.example,Logistics,,",
            "K4,Initech,,,15,");
        var first = await kit.ImportAsync(ImportKind.Companies, file, admin);
        Assert.Equal((4L, 1L, 0L), (first.Created, first.Merged, first.Rejected));
        await using (var db = kit.Open())
        {
            var companies = await db.Companies.AsNoTracking().Include(c => c.Tags).OrderBy(c => c.Name).ToListAsync(Ct);
            Assert.Equal(["Acme", "Acme Two", "Globex", "Initech"], companies.Select(c => c.Name));
            Assert.Equal(("K1", "acme.example", "Retail", 120), (companies[0].ExternalId, companies[0].Domain, companies[0].Industry, companies[0].Employees));
            Assert.Equal(["key account"], companies[0].Tags.Select(t => t.Name));
            // K3 shares Acme's domain but has an external id of its own: another company.
            Assert.Equal(("K3", "acme.example", "Logistics"), (companies[1].ExternalId, companies[1].Domain, companies[1].Industry));
            // K4 is the Initech of the row without an id: one company, which takes the id.
            Assert.Equal(("K4", "Software", 15), (companies[3].ExternalId, companies[3].Industry, companies[3].Employees));
        }
        var counts = await kit.CountsAsync();
        var again = await kit.ImportAsync(ImportKind.Companies, file, admin);
        Assert.Equal((0L, 0L), (again.Created, again.Updated));
        Assert.Equal(counts, await kit.CountsAsync());

        // A company found by name that has another external id is another company; an unknown owner changes nothing.
        var other = await kit.ImportAsync(ImportKind.Companies, kit.Csv("company_id,name,industry,owner",
            "K9,Globex,Energy,", "K2,Globex Renamed,Energy,nobody@example.com"), admin);
        Assert.Equal((1L, 0L, 1L), (other.Created, other.Updated, other.Rejected));
        await using (var db = kit.Open())
        {
            var globex = await db.Companies.AsNoTracking().SingleAsync(c => c.ExternalId == "K2", Ct);
            Assert.Equal(("Globex", null), (globex.Name, globex.Industry));
            Assert.Equal("Energy", (await db.Companies.AsNoTracking().SingleAsync(c => c.ExternalId == "K9", Ct)).Industry);
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ColumnsMapAsTheMapAndASavedTemplateSayAndAnUnknownTemplateFailsTheImport(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var file = kit.Csv("No.,Kunde,Notizen,邮箱", "A1,Ann,remember her,ann@example.com");
        await kit.RunAsync(sp => sp.GetRequiredService<ImportTemplates>().SaveAsync(ImportKind.Customers, "crm export",
            new Dictionary<string, string> { ["No."] = "externalId", ["Kunde"] = "name", ["Notizen"] = "-" }, admin, Ct));

        var templated = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { Template = "crm export" });
        Assert.Equal(1, templated.Created);
        Assert.Contains(templated.Summary!.Columns, c => c is { Column: "Notizen", Field: null });
        var ann = await kit.CustomerAsync("A1");
        Assert.Equal(("Ann", "ann@example.com"), (ann.Name, ann.Email));

        // --map goes over the template: the notes become the source.
        var mapped = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { Template = "crm export", Map = new() { ["Notizen"] = "source" } });
        Assert.Equal(1, mapped.Updated);
        Assert.Equal("remember her", (await kit.CustomerAsync("A1")).Source);

        var unknown = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { Template = "nope" });
        Assert.Equal("failed", unknown.Status);
        Assert.Contains("nope", unknown.Error);
        var badField = await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { Map = new() { ["Kunde"] = "nickname" } });
        Assert.Equal("failed", badField.Status);
        Assert.Contains("nickname", badField.Error);
        Assert.Single(await kit.CustomersAsync());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ThePreviewShowsTheMappingTheCleanedSampleAndWhatWouldBeRefusedAndStoresNothing(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var customers = kit.Csv("customer_id,姓名,E-mail,age", "C1, Ann  Lee ,ANN@Example.com,34.0", "C2,Bo,not-an-email,abc");
        var preview = await kit.RunAsync(sp => sp.GetRequiredService<PreviewImport>().HandleAsync(ImportKind.Customers, customers, new ImportOptions(), admin, Ct));
        Assert.Equal(["externalId", "name", "email", "age"], preview.Columns.Select(c => c.Field));
        Assert.Empty(preview.Problems);
        Assert.Equal((2L, 1L, true), (preview.RowsScanned, preview.RowsRejected, preview.ScannedWholeFile));
        Assert.Equal(("Ann Lee", "ann@example.com", "34"), (preview.Sample[0].Values["name"], preview.Sample[0].Values["email"], preview.Sample[0].Values["age"]));
        Assert.Equal(["E-mail", "age"], preview.Errors.Where(e => e.Line == 3).Select(e => e.Column).Order(StringComparer.Ordinal));
        Assert.Equal(2, preview.Errors.Count);

        var purchases = kit.Csv("order_id,customer_id,order_time", "O1,C1,2024-01-01");
        var problems = await kit.RunAsync(sp => sp.GetRequiredService<PreviewImport>().HandleAsync(ImportKind.Purchases, purchases, new ImportOptions(), admin, Ct));
        Assert.Contains(problems.Problems, p => p.Contains("amount or unitPrice", StringComparison.Ordinal));
        Assert.Empty(await kit.CustomersAsync());
        await using var db = kit.Open();
        Assert.False(await db.ImportJobs.AnyAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheOwnerOptionGivesTheCreatedRecordsToAnotherUserOnlyForRolesThatMayAssign(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var (agentId, _) = await kit.UserAsync(Role.Agent, "agent");
        var agent = await kit.ScopeAsync(agentId);
        var file = kit.Csv("customer_id,name", "C1,Ann");

        await kit.ImportAsync(ImportKind.Customers, file, admin, new ImportOptions { OwnerId = agentId });
        Assert.Equal(agentId, (await kit.CustomerAsync("C1")).OwnerId);
        await Assert.ThrowsAsync<Forbidden>(() => kit.StartAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C2,Bo"), agent, new ImportOptions { OwnerId = admin.UserId }));
    }
}
