using System.Data.Common;
using System.Text.Json;
using Kith.Core.Companies;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Exporting;

public sealed class ExportCustomersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static Task<(long Rows, byte[] File, List<ExportProgress> Progress)> ExportAsync(RecordKit kit, AccessScope scope, ExportRequest request) =>
        kit.RunAsync(async sp =>
        {
            var db = sp.GetRequiredService<KithDb>();
            using var output = new MemoryStream();
            var progress = new List<ExportProgress>();
            var rows = await new ExportCustomers(db, sp.GetRequiredService<ListEngine>())
                .HandleAsync(scope, request, output, new Recorder(progress), Ct);
            return (rows, output.ToArray(), progress);
        });

    private static async Task<List<Dictionary<string, string>>> RecordsAsync(RecordKit kit, AccessScope scope, ExportRequest request)
    {
        var (rows, file, _) = await ExportAsync(kit, scope, request);
        var table = TableFiles.Read(request.Format, file);
        Assert.Equal(rows + 1, table.Count);
        return table.Skip(1).Select(r => table[0].Zip(r).ToDictionary(p => p.First, p => CellSafety.Restore(p.Second))).ToList();
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnAgentsExportHoldsOnlyTheirOwnCustomersAndAnAdminsHoldsEveryone(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        var ana = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Ana"));
        var bo = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Bo"));
        await kit.CreateAsync(ana, new CustomerInput { Name = "王小明", Email = "wang@example.com" });
        await kit.CreateAsync(ana, new CustomerInput { Name = "Ana's second" });
        await kit.CreateAsync(bo, new CustomerInput { Name = "Bo's secret", Email = "secret@example.com" });

        foreach (var format in new[] { ExportFormat.Csv, ExportFormat.Xlsx })
        {
            var anas = await RecordsAsync(kit, ana, new ExportRequest(Sort: "name", Format: format));
            Assert.Equal(["Ana's second", "王小明"], anas.Select(r => r["name"]));
            Assert.DoesNotContain(anas, r => r["email"] == "secret@example.com");
            var everyone = await RecordsAsync(kit, admin, new ExportRequest(Format: format));
            Assert.Equal(3, everyone.Count);
        }
        // Even a search or filter aimed at another owner's record finds nothing out of reach.
        Assert.Empty(await RecordsAsync(kit, ana, new ExportRequest(Q: "secret")));
        Assert.Empty(await RecordsAsync(kit, ana, new ExportRequest(Filter: $"owner eq {bo.UserId}")));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheExportWalksEveryPageBeyondAThousandRows(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await InsertManyAsync(kit, admin.UserId, 2_500);

        var (rows, file, progress) = await ExportAsync(kit, admin, new ExportRequest(Sort: "name", Columns: ["id", "name"]));
        Assert.Equal(2_500, rows);
        var table = TableFiles.ReadCsv(file);
        Assert.Equal(2_501, table.Count);
        // "id", the name of the column before kithId (ADR-0052), still asks for it.
        Assert.Equal(["kithId", "name"], table[0]);
        var names = table.Skip(1).Select(r => r[1]).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(2_500, table.Skip(1).Select(r => r[0]).Distinct().Count());
        Assert.Equal(2_500, progress[^1].Rows);
        Assert.True(progress.Count >= 4, "one report before the first page and one after each of the three pages");
        Assert.Equal(progress.Select(p => p.Rows).Order(), progress.Select(p => p.Rows));

        // Linear, not one query per row: the records of a page are read in one statement, whatever the page holds.
        var counter = new CommandCounter();
        await using (var counted = Counted(kit, provider, counter))
        {
            var exported = await new ExportCustomers(counted, new ListEngine(counted, TimeProvider.System)).HandleAsync(admin, new ExportRequest(), Stream.Null, null, Ct);
            Assert.Equal(2_500, exported);
        }
        // Per page of 1,000: the list engine's look at the custom fields and at the sensitive fields, one read of the
        // records and one of their tags; plus one look at the custom fields for the columns; plus the export's audit
        // entry (locking the chain, inserting the entry). (The engine's own keyset SQL does not pass through EF.)
        Assert.Equal(1 + 4 * 3 + 2, counter.Count);

        var (xlsxRows, xlsx, _) = await ExportAsync(kit, admin, new ExportRequest(Sort: "-name", Format: ExportFormat.Xlsx, Columns: ["name"]));
        Assert.Equal(2_500, xlsxRows);
        var sheet = TableFiles.ReadXlsx(xlsx);
        Assert.Equal(2_501, sheet.Count);
        Assert.Equal(names[^1], sheet[1][0]);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ValuesAreWrittenInTheFormsTheImporterReads(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "level", Label = "Level", Type = CustomFieldType.Number }, admin, Ct));
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "note", Label = "Note", Type = CustomFieldType.Text }, admin, Ct));
        var company = await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = "上海贸易有限公司" }, admin, ActorKind.User, Ct));
        var created = await kit.CreateAsync(admin, new CustomerInput
        {
            Name = "陈静", Email = "chen@example.com", Phone = "13800138000", BirthDate = new DateOnly(1990, 2, 3), Gender = Gender.Female,
            City = "上海", Address = "浦东新区\n世纪大道 1 号", CompanyId = company.Id, Stage = LifecycleStage.Prospect, Source = "=cmd|' /C calc'!A0",
            SignupDate = new DateOnly(2024, 3, 5), ExternalId = "C-1", Tags = ["vip", "Beijing"],
            CustomFields = new() { ["level"] = JsonSerializer.SerializeToElement(-5), ["note"] = JsonSerializer.SerializeToElement("'quoted'") },
        });
        await kit.CreateAsync(admin, new CustomerInput { Name = "Empty" });

        var file = (await ExportAsync(kit, admin, new ExportRequest(Sort: "name"))).File;
        var table = TableFiles.ReadCsv(file);
        Assert.Equal(
            ["kithId", "externalId", "name", "email", "phone", "age", "birthDate", "gender", "city", "address", "company", "stage", "source",
             "signupDate", "tags", "owner", "customFields.level", "customFields.note"], table[0]);
        var row = table.Single(r => r[2] == "陈静");
        var cells = table[0].Zip(row).ToDictionary(p => p.First, p => p.Second);
        Assert.Matches($"^{created.Id}@[0-9a-f]{{12}}$", cells["kithId"]);
        Assert.Equal("C-1", cells["externalId"]);
        Assert.Equal("'+8613800138000", cells["phone"]);
        Assert.Equal(created.Age?.ToString(System.Globalization.CultureInfo.InvariantCulture), cells["age"]);
        Assert.Equal("1990-02-03", cells["birthDate"]);
        Assert.Equal("female", cells["gender"]);
        Assert.Equal("浦东新区\n世纪大道 1 号", cells["address"]);
        Assert.Equal("上海贸易有限公司", cells["company"]);
        Assert.Equal("prospect", cells["stage"]);
        Assert.Equal("'=cmd|' /C calc'!A0", cells["source"]);
        Assert.Equal("2024-03-05", cells["signupDate"]);
        Assert.Equal("Beijing; vip", cells["tags"]);
        Assert.EndsWith("@example.com", cells["owner"]);
        Assert.StartsWith("admin-", cells["owner"]);
        Assert.Equal("'-5", cells["customFields.level"]);
        Assert.Equal("'quoted'", cells["customFields.note"]);
        var empty = table.Single(r => r[2] == "Empty");
        Assert.Equal("lead", empty[11]);
        Assert.All(new[] { 1, 3, 4, 5, 6, 7, 14, 16, 17 }, i => Assert.Equal("", empty[i]));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ScoresAreColumnsOnRequestInTheScoresOrderAndTheImporterLeavesThemAlone(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        var low = await kit.CreateAsync(admin, new CustomerInput { Name = "Low" });
        var high = await kit.CreateAsync(admin, new CustomerInput { Name = "High" });
        await kit.CreateAsync(admin, new CustomerInput { Name = "Unscored" });
        await kit.RunAsync(async sp =>
        {
            var db = sp.GetRequiredService<KithDb>();
            db.CustomerScores.AddRange(
                new Kith.Core.Predictions.CustomerScore { CustomerId = low.Id, ChurnRisk = 0.1234, ExpectedValueMicros = 12_340_000, ComputedAt = DateTime.UtcNow },
                new Kith.Core.Predictions.CustomerScore { CustomerId = high.Id, ChurnRisk = 0.9, ComputedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        });

        var table = TableFiles.ReadCsv((await ExportAsync(kit, admin, new ExportRequest(Sort: "-churnRisk", Columns: ["name", "churnRisk", "expectedValue"]))).File);
        string[][] expected = [["name", "churnRisk", "expectedValue"], ["High", "0.9", ""], ["Low", "0.1234", "12.34"], ["Unscored", "", ""]];
        Assert.Equal(expected, table);
        Assert.DoesNotContain("churnRisk", TableFiles.ReadCsv((await ExportAsync(kit, admin, new ExportRequest())).File)[0]);
        // Computed by Kith: a file exported with them imports back without them.
        var mapping = Kith.Core.Importing.Cleaning.ColumnMapper.Map(table[0], Kith.Core.Importing.Cleaning.ImportFields.For(Kith.Core.Importing.ImportKind.Customers, []));
        Assert.Equal(["name", null, null], mapping.Columns.Select(f => f?.Key));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheExportKeepsTheListsSearchFilterSortAndColumns(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "vip", Label = "VIP", Type = CustomFieldType.Text }, admin, Ct));
        await kit.CreateAsync(admin, new CustomerInput { Name = "Wang Li", Stage = LifecycleStage.Customer, City = "Beijing", CustomFields = new() { ["vip"] = JsonSerializer.SerializeToElement("gold") } });
        await kit.CreateAsync(admin, new CustomerInput { Name = "Wang Fang", Stage = LifecycleStage.Customer, City = "Shanghai" });
        await kit.CreateAsync(admin, new CustomerInput { Name = "Wang Lead", Stage = LifecycleStage.Lead });
        await kit.CreateAsync(admin, new CustomerInput { Name = "Zhao Customer", Stage = LifecycleStage.Customer });
        kit.Clock.Advance(TimeSpan.FromMinutes(1));

        var (_, file, _) = await ExportAsync(kit, admin, new ExportRequest(Q: "wang", Filter: "stage eq customer", Sort: "-name", Columns: ["name", "city", "cf.vip", "updatedAt"]));
        var table = TableFiles.ReadCsv(file);
        Assert.Equal(["name", "city", "customFields.vip", "updatedAt"], table[0]);
        Assert.Equal(["Wang Li", "Wang Fang"], table.Skip(1).Select(r => r[0]));
        Assert.Equal("gold", table[1][2]);
        Assert.Equal("2026-03-01T09:00:00Z", table[1][3]);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnUnknownColumnOrABadFilterIsRefusedBeforeAnythingIsWritten(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await kit.CreateAsync(admin, new CustomerInput { Name = "Someone" });

        var column = await Assert.ThrowsAsync<RuleViolation>(() => ExportAsync(kit, admin, new ExportRequest(Columns: ["name", "salary"])));
        Assert.Contains("'salary'", column.Message);
        Assert.True(column.Errors.ContainsKey("columns"));
        var twice = await Assert.ThrowsAsync<RuleViolation>(() => ExportAsync(kit, admin, new ExportRequest(Columns: ["name", "Name"])));
        Assert.Contains("twice", twice.Message);
        var filter = await Assert.ThrowsAsync<RuleViolation>(() => ExportAsync(kit, admin, new ExportRequest(Filter: "stage eq")));
        Assert.True(filter.Errors.ContainsKey("filter"));

        var output = new MemoryStream();
        await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp =>
            new ExportCustomers(sp.GetRequiredService<KithDb>(), sp.GetRequiredService<ListEngine>()).HandleAsync(admin, new ExportRequest(Sort: "salary"), output, null, Ct)));
        Assert.Equal(0, output.Length);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CompaniesExportWithTheirOwnFieldsAndReach(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var ana = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Ana"));
        var bo = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "Bo"));
        await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(
            new CompanyInput { Name = "北京科技", Domain = "bjtech.cn", Employees = 120, Tags = ["partner"], City = "北京" }, ana, ActorKind.User, Ct));
        await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = "Bo Corp" }, bo, ActorKind.User, Ct));

        var file = await kit.RunAsync(async sp =>
        {
            using var output = new MemoryStream();
            await new ExportCompanies(sp.GetRequiredService<KithDb>(), sp.GetRequiredService<ListEngine>()).HandleAsync(ana, new ExportRequest(), output, null, Ct);
            return output.ToArray();
        });
        var table = TableFiles.ReadCsv(file);
        Assert.Equal(["kithId", "externalId", "name", "domain", "industry", "email", "phone", "website", "city", "address", "employees", "tags", "owner"], table[0]);
        var row = Assert.Single(table.Skip(1));
        Assert.Equal(["北京科技", "bjtech.cn"], row[2..4]);
        Assert.Equal("120", row[10]);
        Assert.Equal("partner", row[11]);
        Assert.StartsWith("ana-", row[12]);
    }

    /// <summary>Customers straight into the database, many per statement: the export reads them as any others.</summary>
    internal static async Task InsertManyAsync(RecordKit kit, long ownerId, int count)
    {
        await using var db = kit.Database.Open();
        var now = DateTime.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var customer = new Customer
            {
                Name = $"Customer {i:D5} 客户", Email = $"c{i}@example.com", OwnerId = ownerId, CreatedAt = now, UpdatedAt = now.AddSeconds(i), Version = 1,
            };
            CustomerWriter.SetSearch(customer, null);
            db.Customers.Add(customer);
        }
        await db.SaveChangesAsync(Ct);
    }

    private static KithDb Counted(RecordKit kit, DatabaseProvider provider, CommandCounter counter)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var sqlite = new DbContextOptionsBuilder<SqliteKithDb>();
            DatabaseRegistration.ConfigureSqlite(sqlite, kit.Database.Options.ConnectionString);
            return new SqliteKithDb(sqlite.AddInterceptors(counter).Options);
        }
        var postgres = new DbContextOptionsBuilder<PostgresKithDb>();
        DatabaseRegistration.ConfigurePostgres(postgres, kit.Database.Options.ConnectionString);
        return new PostgresKithDb(postgres.AddInterceptors(counter).Options);
    }

    private sealed class CommandCounter : DbCommandInterceptor
    {
        public int Count { get; private set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Count++;
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }

    /// <summary>Progress reported synchronously (Progress&lt;T&gt; would post to the thread pool and race the assertions).</summary>
    private sealed class Recorder(List<ExportProgress> list) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => list.Add(value);
    }
}
