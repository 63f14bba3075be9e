using System.Globalization;
using System.Text;
using Kith.Core.Customers;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.SensitiveFields;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// On SQLite a customer import writes each batch with prepared statements, unless a field is marked sensitive, when EF
/// saves it (ADR-0034). Both ways must store the same rows, and an import written either way must revert exactly.
/// </summary>
public sealed class CustomerBatchWritesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnImportWrittenByStatementsStoresWhatASaveThroughEfStoresAndRevertsAlike()
    {
        await using var statements = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        await using var ef = await ImportKit.StartAsync(DatabaseProvider.Sqlite);
        // A custom field no row has, marked sensitive: the batches go through EF, and no stored value changes for it.
        await using (var db = ef.Open())
        {
            db.SensitiveFields.Add(new SensitiveField { Entity = CustomFieldEntity.Customer, Field = "cf.unused", Sensitive = true, Converted = true, ChangedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }
        var results = new List<(ImportReport First, ImportReport Second, List<string> Stored, List<string> Before, List<string> Reverted)>();
        foreach (var kit in new[] { statements, ef })
        {
            var admin = await kit.AdminAsync();
            var create = (CustomerInput input) => kit.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(input, admin, ActorKind.User, Ct));
            await create(new CustomerInput { Name = "Stored One", ExternalId = "S1", Email = "s1@example.com", City = "Shanghai", Tags = ["vip"], Age = 30 });
            await create(new CustomerInput { Name = "Stored Two", Email = "s2@example.com", Phone = "+8613800138000" });
            await create(new CustomerInput { Name = "Stored Three", ExternalId = "S3", Email = "s3@example.com" });
            // The first import creates a batch and a half; the second updates, merges into and flags records of both
            // batches of the first, and of the stored ones, so records loaded from the store are changed.
            var first = await kit.ImportAsync(ImportKind.Customers, kit.File(People(0, ImportRunner.BatchSize + 300)), admin);
            var before = await DumpAsync(kit);
            var second = await kit.ImportAsync(ImportKind.Customers, kit.File(Changes()), admin);
            var stored = await DumpAsync(kit);
            await kit.RunAsync(sp => sp.GetRequiredService<RevertImport>().HandleAsync(second.JobId, admin, Ct));
            results.Add((first, second, stored, before, await DumpAsync(kit)));
        }
        var (a, b) = (results[0], results[1]);
        Assert.Equal((a.Second.Created, a.Second.Updated, a.Second.Merged, a.Second.Flagged, a.Second.Unchanged, a.Second.Rejected),
            (b.Second.Created, b.Second.Updated, b.Second.Merged, b.Second.Flagged, b.Second.Unchanged, b.Second.Rejected));
        Assert.True(a.Second is { Updated: > 3, Merged: > 2, Flagged: > 0 }, $"updated {a.Second.Updated}, merged {a.Second.Merged}, flagged {a.Second.Flagged}");
        Assert.Equal(b.Stored, a.Stored);
        // Reverted: the customers as they were before the second import (but for their stamps), whichever way it was written.
        Assert.Equal(Customers(a.Before), Customers(a.Reverted));
        Assert.Equal(Customers(b.Before), Customers(b.Reverted));
        Assert.Equal(b.Reverted, a.Reverted);
    }

    private static string People(int from, int count)
    {
        var sb = new StringBuilder("customer_id,name,email,phone,city,tags\n");
        for (var i = from; i < from + count; i++)
            sb.Append(CultureInfo.InvariantCulture, $"P{i},Person {i},person{i}@example.com,{(i % 3 == 0 ? "" : $"+86138{i:D8}")},{(i % 4 == 0 ? "" : "City " + i % 5)},t{i % 3}\n");
        return sb.ToString();
    }

    /// <summary>Rows that change records of the store and of both batches of <see cref="People"/>.</summary>
    private static string Changes()
    {
        var sb = new StringBuilder("customer_id,name,email,phone,city,tags\n");
        sb.Append("S1,Stored One Renamed,,,Beijing,new-tag; vip\n");          // by external id: overwrites, adds a tag
        sb.Append("N2,Stored Two,s2@example.com,,Chengdu,\n");                 // by email, no external id stored: fills empty fields
        sb.Append("M3,Stored Three,s3@example.com,,Xi'an,merged-tag\n");       // by email, another external id: merged
        foreach (var i in new[] { 4, 8, 12, ImportRunner.BatchSize + 4, ImportRunner.BatchSize + 8 })
            sb.Append(CultureInfo.InvariantCulture, $"P{i},Person {i},person{i}@example.com,,Town {i},extra\n");   // updates, city and a tag
        foreach (var i in new[] { 6, 9, ImportRunner.BatchSize + 6 })
            sb.Append(CultureInfo.InvariantCulture, $"Q{i},Person {i},person{i}@example.com,,Village {i},q\n");  // another external id, same email: merged
        sb.Append("F1,Persn 7,person7@example.com,,City 2,\n");                // same email, another name and id: merged or flagged by the rules
        sb.Append("F2,Person 10,other10@example.com,+8613800000010,City 0,\n"); // same name and phone as P10: an exact duplicate
        sb.Append("F3,Persen 11,persen11@example.com,+8613800000011,City 1,\n"); // a similar name and P11's phone: flagged
        return sb.ToString();
    }

    private static List<string> Customers(List<string> dump) => dump.Where(l => l.StartsWith("customers|", StringComparison.Ordinal)).ToList();

    /// <summary>What an import writes, row by row, without what differs by chance (change sets; ids are given alike).</summary>
    private static async Task<List<string>> DumpAsync(ImportKit kit)
    {
        var queries = new Dictionary<string, string>
        {
            ["customers"] = "SELECT id, external_id, name, email, phone, phone_is_valid, age, city, company_id, owner_id, stage, custom_fields, deleted_at, merged_into_id, import_job_id, search_text, search_grams, created_at, phone_lookup FROM customers ORDER BY id",
            // A revert is an edit: it stamps the records it restores.
            ["stamps"] = "SELECT id, version, updated_at, updated_by_kind, updated_by_user_id FROM customers ORDER BY id",
            ["tags"] = "SELECT customer_id, tag_id FROM customer_tags ORDER BY 1, 2",
            ["history"] = "SELECT entity_type, entity_id, action, field, old_value, new_value, actor_kind, actor_user_id, actor_detail, at FROM record_changes ORDER BY entity_id, action, field, old_value, new_value, at",
            ["sets"] = "SELECT COUNT(DISTINCT change_set), MIN(typeof(change_set)) FROM record_changes",
            ["merges"] = "SELECT id, survivor_id, merged_id, survivor_before, moved, import_job_id, merged_by_kind, merged_at FROM customer_merges ORDER BY merged_id",
            ["changes"] = "SELECT id, import_job_id, entity_type, entity_id, action, before FROM import_changes ORDER BY id",
            ["pairs"] = "SELECT customer_id, other_customer_id, is_exact, score, reasons, status, import_job_id FROM duplicate_pairs ORDER BY 1, 2",
        };
        await using var db = kit.Open();
        var lines = new List<string>();
        foreach (var (table, sql) in queries)
            await Sql.ReadAsync(db, sql, r =>
            {
                var values = new string[r.FieldCount];
                for (var i = 0; i < values.Length; i++) values[i] = r.IsDBNull(i) ? "∅" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)!;
                lines.Add(table + "|" + string.Join("|", values));
            }, Ct);
        return lines;
    }
}
