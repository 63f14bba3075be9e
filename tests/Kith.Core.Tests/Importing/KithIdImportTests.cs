using System.Text;
using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Settings;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// The export's kithId column (ADR-0052): a file exported from this install matches its records by it, so customers
/// and companies without an external id, email or phone come back as themselves and an edited export updates; a
/// kithId of another install is ignored (the row matches by its other keys); one of this install that names no live
/// record, or contradicts the row's external id, refuses the row with its line and column.
/// </summary>
public sealed class KithIdImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<long>> KeylessCustomersAsync(ImportKit kit, AccessScope admin, int count, string prefix = "Keyless")
    {
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
            ids.Add((await kit.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(
                new CustomerInput { Name = $"{prefix} Person {i}", City = i % 2 == 0 ? "Hangzhou" : null, Tags = i % 3 == 0 ? ["vip"] : [] },
                admin, ActorKind.User, Ct))).Id);
        return ids;
    }

    private static Task<string> ExportCustomersAsync(ImportKit kit, AccessScope scope, IReadOnlyList<string>? columns = null) =>
        kit.RunAsync(async sp =>
        {
            using var output = new MemoryStream();
            await new ExportCustomers(sp.GetRequiredService<KithDb>(), sp.GetRequiredService<ListEngine>())
                .HandleAsync(scope, new ExportRequest(Sort: "name", Columns: columns), output, null, Ct);
            return Encoding.UTF8.GetString(output.ToArray()).TrimStart('\uFEFF');
        });

    private static Task<string> ExportCompaniesAsync(ImportKit kit, AccessScope scope) =>
        kit.RunAsync(async sp =>
        {
            using var output = new MemoryStream();
            await new ExportCompanies(sp.GetRequiredService<KithDb>(), sp.GetRequiredService<ListEngine>())
                .HandleAsync(scope, new ExportRequest(Sort: "name"), output, null, Ct);
            return Encoding.UTF8.GetString(output.ToArray()).TrimStart('\uFEFF');
        });

    /// <summary>Every live customer's stored values by id, tags included.</summary>
    private static async Task<Dictionary<long, string>> SnapshotAsync(ImportKit kit) =>
        (await kit.CustomersAsync()).Where(c => c.DeletedAt is null).ToDictionary(c => c.Id, c => string.Join("|",
            c.Name, c.ExternalId, c.Email, c.Phone, c.City, c.Stage, c.CompanyId, c.OwnerId, c.Version, string.Join(",", c.Tags.Select(t => t.Name).Order())));

    private static string Errors(ImportReport r) => string.Join("\n", r.Errors.Take(5).Select(e => $"{e.Line} {e.Column}: {e.Message}"));

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task KeylessCustomersExportedAndImportedBackAreTheSameRecordsTwice(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await KeylessCustomersAsync(kit, admin, 12);
        var before = await SnapshotAsync(kit);
        var csv = await ExportCustomersAsync(kit, admin);
        Assert.StartsWith("kithId,externalId,name,", csv);
        var path = kit.File(csv);

        for (var run = 0; run < 2; run++)
        {
            var report = await kit.ImportAsync(ImportKind.Customers, path, admin);
            Assert.True(report.Rejected == 0, Errors(report));
            Assert.Equal((0L, 0L, 0L, 12L, 0L), (report.Created, report.Updated, report.Merged, report.Unchanged, report.Flagged));
            Assert.Equal(0, report.Summary!.ForeignKithIds);
            Assert.Equal(before, await SnapshotAsync(kit));
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnEditedExportUpdatesItsRecordsWithOrWithoutAnExternalId(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var keyless = (await KeylessCustomersAsync(kit, admin, 3))[1];
        var keyed = (await kit.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(
            new CustomerInput { Name = "Wang Fang", ExternalId = "C-9", Email = "fang@example.com" }, admin, ActorKind.User, Ct))).Id;
        var count = (await kit.CustomersAsync()).Count;

        // Edited in a spreadsheet: a keyless customer renamed and given an email; the keyed one renamed, with a new email.
        var csv = (await ExportCustomersAsync(kit, admin))
            .Replace("Keyless Person 1,,", "Keyless Person One,edited@example.com,")
            .Replace("Wang Fang,fang@example.com", "Wang Fang (Shanghai),fang.wang@example.com");
        var report = await kit.ImportAsync(ImportKind.Customers, kit.File(csv), admin);
        Assert.True(report.Rejected == 0, Errors(report));
        Assert.Equal((0L, 2L, 2L, 0L), (report.Created, report.Updated, report.Unchanged, report.Merged));

        var customers = (await kit.CustomersAsync()).ToDictionary(c => c.Id);
        Assert.Equal(count, customers.Count);
        Assert.Equal(("Keyless Person One", "edited@example.com"), (customers[keyless].Name, customers[keyless].Email));
        Assert.Equal(("Wang Fang (Shanghai)", "fang.wang@example.com", "C-9"), (customers[keyed].Name, customers[keyed].Email, customers[keyed].ExternalId));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AKithIdOfAnotherInstallIsIgnoredAndTheRowsMatchByTheirOtherKeys(DatabaseProvider provider)
    {
        await using var source = await ImportKit.StartAsync(provider);
        var sourceAdmin = await source.AdminAsync();
        await KeylessCustomersAsync(source, sourceAdmin, 4, "Source");
        await source.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(
            new CustomerInput { Name = "Li Na", Email = "li.na@example.com" }, sourceAdmin, ActorKind.User, Ct));
        var file = await ExportCustomersAsync(source, sourceAdmin);

        // The target has records with the same row ids, and its own mark (it exported once).
        await using var target = await ImportKit.StartAsync(provider);
        var admin = await target.AdminAsync();
        await KeylessCustomersAsync(target, admin, 4, "Target");
        var liNa = (await target.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(
            new CustomerInput { Name = "Li Na", Email = "li.na@example.com", City = "Beijing" }, admin, ActorKind.User, Ct))).Id;
        await ExportCustomersAsync(target, admin);
        var before = await SnapshotAsync(target);

        var report = await target.ImportAsync(ImportKind.Customers, target.File(file), admin);
        Assert.True(report.Rejected == 0, Errors(report));
        Assert.Equal(5, report.Summary!.ForeignKithIds);
        // The keyless rows are new people here; Li Na is found by her email and left as she is.
        Assert.Equal((4L, 0L, 1L), (report.Created, report.Updated, report.Unchanged));
        var after = await SnapshotAsync(target);
        foreach (var (id, values) in before) Assert.Equal(values, after[id]);
        Assert.Equal(4, after.Values.Count(v => v.StartsWith("Source Person", StringComparison.Ordinal)));
        Assert.Equal("Beijing", (await target.CustomersAsync()).Single(c => c.Id == liNa).City);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AKithIdThatNamesNoLiveRecordOrContradictsTheRowRefusesItWithLineAndColumn(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var ids = await KeylessCustomersAsync(kit, admin, 3);
        var keyed = (await kit.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(
            new CustomerInput { Name = "Zhao Lei", ExternalId = "C-1" }, admin, ActorKind.User, Ct))).Id;
        await ExportCustomersAsync(kit, admin);
        var mark = await kit.RunAsync(sp => KithIds.ReadMarkAsync(sp.GetRequiredService<KithDb>(), Ct));
        Assert.NotNull(mark);
        await using (var db = kit.Open())
            await db.Customers.Where(c => c.Id == ids[0]).ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, DateTime.UtcNow), Ct);
        var before = await SnapshotAsync(kit);

        var path = kit.Csv("name,externalId,kithId",
            $"Keyless Person 0,,{ids[0]}@{mark}",          // line 2: deleted
            $"Nobody,,999999@{mark}",                      // line 3: never existed
            $"Zhao Lei,C-2,{keyed}@{mark}",                // line 4: another external id than the record's
            $"Keyless Person 1,C-1,{ids[1]}@{mark}",       // line 5: the external id of another record
            $"Keyless Person 2,,{ids[2]}",                 // line 6: no mark: not a Kith id
            $"Keyless Person 2 again,,{ids[2]}@{mark.ToUpperInvariant()}",  // line 7: matches (the mark ignores case)
            $"Keyless Person 2 twice,,{ids[2]}@{mark}");   // line 8: the same kithId again
        var report = await kit.ImportAsync(ImportKind.Customers, path, admin);

        Assert.Equal((0L, 1L, 6L), (report.Created, report.Updated, report.Rejected));
        var errors = report.Errors.ToDictionary(e => e.Line);
        Assert.Equal([2, 3, 4, 5, 6, 8], errors.Keys.Order());
        Assert.All(errors.Values.Where(e => e.Line != 5), e => Assert.Equal("kithId", e.Column));
        Assert.Equal("externalId", errors[5].Column);
        Assert.Contains("deleted, merged into another", errors[2].Message);
        Assert.Contains("'C-1', not 'C-2'", errors[4].Message);
        Assert.Contains("is not a Kith id", errors[6].Message);
        Assert.Contains("first on line 7", errors[8].Message);
        var after = await SnapshotAsync(kit);
        Assert.StartsWith("Keyless Person 2 again|", after[ids[2]]);
        foreach (var id in before.Keys.Where(id => id != ids[2])) Assert.Equal(before[id], after[id]);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task MatchingWithoutKithIdIgnoresTheColumnAndModesStillHold(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await KeylessCustomersAsync(kit, admin, 2);
        var path = kit.File(await ExportCustomersAsync(kit, admin));

        var create = await kit.ImportAsync(ImportKind.Customers, path, admin, new ImportOptions { Mode = ImportMode.Create });
        Assert.Equal((0L, 2L), (create.Created, create.Rejected));
        Assert.All(create.Errors, e => Assert.Equal(("kithId", true), (e.Column, e.Message.Contains("mode create"))));

        var update = await kit.ImportAsync(ImportKind.Customers, path, admin, new ImportOptions { Mode = ImportMode.Update });
        Assert.Equal((0L, 2L, 0L), (update.Created, update.Unchanged, update.Rejected));

        // Listed without kithId, the column is not a key: the keyless rows are new people, as before kithId.
        var byKeys = await kit.ImportAsync(ImportKind.Customers, path, admin, new ImportOptions { MatchBy = ["externalId", "email", "phone"] });
        Assert.Equal((2L, 0L), (byKeys.Created, byKeys.Rejected));
        Assert.Equal(4, (await kit.CustomersAsync()).Count);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ColumnsKithSetsAndTheOldIdAreNotImportedAndTheReportSaysWhy(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await KeylessCustomersAsync(kit, admin, 2);
        var csv = await ExportCustomersAsync(kit, admin, ["kithId", "name", "city", "createdAt", "updatedAt", "visits", "revenue"]);
        var report = await kit.ImportAsync(ImportKind.Customers, kit.File(csv), admin);
        Assert.Equal((0L, 2L, 0L), (report.Created, report.Unchanged, report.Rejected));
        var columns = report.Summary!.Columns.ToDictionary(c => c.Column);
        Assert.Equal("kithId", columns["kithId"].Field);
        Assert.Null(columns["city"].NotImported);
        foreach (var kithOnly in new[] { "createdAt", "updatedAt", "visits", "revenue" })
            Assert.Equal((null, MappedColumn.SetByKith), (columns[kithOnly].Field, columns[kithOnly].NotImported));

        // An export made before kithId: "id" beside "externalId" is Kith's record id without a mark, not imported.
        var old = kit.Csv("id,externalId,name,createdAt", "1,,Keyless Person 0,2026-01-01T00:00:00Z");
        var preview = await kit.RunAsync(sp => sp.GetRequiredService<PreviewImport>().HandleAsync(ImportKind.Customers, old, new ImportOptions(), admin, Ct));
        Assert.Equal([(null, MappedColumn.OldRecordId), ("externalId", null), ("name", null), (null, MappedColumn.SetByKith)],
            preview.Columns.Select(c => (c.Field, c.NotImported)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CompaniesRenamedInAnExportAreUpdatedNotDuplicated(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        foreach (var name in new[] { "Acme", "Globex", "Initech" })
            await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = name }, admin, ActorKind.User, Ct));
        var csv = await ExportCompaniesAsync(kit, admin);
        Assert.StartsWith("kithId,externalId,name,", csv);

        var same = await kit.ImportAsync(ImportKind.Companies, kit.File(csv), admin);
        Assert.Equal((0L, 0L, 3L, 0L), (same.Created, same.Updated, same.Unchanged, same.Rejected));

        var renamed = await kit.ImportAsync(ImportKind.Companies, kit.File(csv.Replace(",Globex,", ",Globex Corporation,")), admin);
        Assert.True(renamed.Rejected == 0, Errors(renamed));
        Assert.Equal((0L, 1L, 2L), (renamed.Created, renamed.Updated, renamed.Unchanged));
        await using var db = kit.Open();
        Assert.Equal(["Acme", "Globex Corporation", "Initech"], await db.Companies.OrderBy(c => c.Name).Select(c => c.Name).ToListAsync(Ct));

        var unknown = await kit.ImportAsync(ImportKind.Companies, kit.Csv("kithId,name", $"999999@{await kit.RunAsync(sp => KithIds.ReadMarkAsync(sp.GetRequiredService<KithDb>(), Ct))},Umbrella"), admin);
        Assert.Equal((0L, 1L, "kithId", 2), (unknown.Created, unknown.Rejected, unknown.Errors[0].Column, unknown.Errors[0].Line));
    }
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AKithIdRepeatedAcrossAStopIsRefusedWhenTheJobResumesAsInOneRun(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        var ids = await KeylessCustomersAsync(kit, admin, 2);
        await ExportCustomersAsync(kit, admin);
        var mark = await kit.RunAsync(sp => KithIds.ReadMarkAsync(sp.GetRequiredService<KithDb>(), Ct));
        // Line 2 names the first customer; a batch of new customers follows; after the first batch's commit, line
        // BatchSize + 3 names the first customer again and the next line the second one for the first time.
        var lines = new List<string> { $"Keyless Person 0 renamed,,{ids[0]}@{mark}" };
        for (var i = 0; i < ImportRunner.BatchSize; i++) lines.Add($"Filler {i},F-{i},");
        lines.Add($"Keyless Person 0 twice,,{ids[0]}@{mark}");
        lines.Add($"Keyless Person 1 renamed,,{ids[1]}@{mark}");
        var job = await kit.StartAsync(ImportKind.Customers, kit.Csv("name,externalId,kithId", [.. lines]), admin);

        // The process stops right after the first batch committed (as a crash would), and the job resumes.
        using var stopping = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            kit.RunJobAsync(job.Id, Ct, stopping.Token, new ImportJobTests.OnFirstBatch(stopping.Cancel)));
        Assert.Equal(ImportRunner.BatchSize + 1, (await kit.JobAsync(job.Id)).LastCommittedLine);
        kit.Clock.Advance(ImportQueue.StaleAfter + TimeSpan.FromSeconds(1));
        Assert.True(await kit.RunAsync(sp => sp.GetRequiredService<ImportQueue>().RunNextAsync(null, Ct)));

        var report = await kit.RunAsync(sp => sp.GetRequiredService<ImportQueries>().ReportAsync(admin, job.Id, 10, Ct));
        Assert.Equal(((long)ImportRunner.BatchSize, 2L, 1L), (report.Created, report.Updated, report.Rejected));
        var error = Assert.Single(report.Errors);
        Assert.Equal((ImportRunner.BatchSize + 3, "kithId"), (error.Line, error.Column));
        Assert.Contains("first on line 2", error.Message);
        var after = await SnapshotAsync(kit);
        Assert.StartsWith("Keyless Person 0 renamed|", after[ids[0]]);
        Assert.StartsWith("Keyless Person 1 renamed|", after[ids[1]]);
    }
}
