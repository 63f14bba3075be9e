using System.Globalization;
using System.Text.Json;
using Kith.Core.Companies;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Importing;

/// <summary>
/// Export then import is the identity: customers made through the same handler the UI uses, with values full of
/// quotes, commas, line breaks, CJK and formula prefixes, exported by <see cref="ExportCustomers"/> and imported into
/// a new workspace (CSV) and back into their own (XLSX, mode update), come out field for field as they went in. A
/// quarter have no external id, some no email or phone either: back home their kithId finds them (ADR-0052).
/// </summary>
public sealed class ExportImportRoundTripTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const int Count = 200;

    private static readonly string[] s_pieces =
    [
        "Ann", "Lee", "O'Brien", "\"Quoted\"", "a,b", "王", "小明", "李", "東京", "Zoë", "Ünal", "x;y", "semi;", "=SUM(A1:A9)", "+1", "-5", "@home", "'", "''", "=", "🙂", "#1", "100%", "\\", "<b>", "&amp;",
    ];

    private static readonly string[] s_prefixes = ["", "", "", "=", "+", "-", "@", "'=", "'", "\t", "\r"];

    /// <summary>A random value: pieces joined by single spaces, sometimes behind a formula prefix.</summary>
    private static string Text(Random random, int maxPieces = 4)
    {
        var parts = Enumerable.Range(0, random.Next(1, maxPieces + 1)).Select(_ => s_pieces[random.Next(s_pieces.Length)]);
        return s_prefixes[random.Next(s_prefixes.Length)] + string.Join(' ', parts);
    }

    private static async Task SetUpWorkspaceAsync(ImportKit kit)
    {
        foreach (var name in new[] { "ana", "bo" }) await kit.UserAsync(Role.Agent, name);
        await using var db = kit.Open();
        db.CustomFields.Add(new CustomFieldDefinition { Entity = CustomFieldEntity.Customer, Key = "note", Label = "Note", Type = CustomFieldType.Text, CreatedAt = DateTime.UtcNow });
        db.CustomFields.Add(new CustomFieldDefinition { Entity = CustomFieldEntity.Customer, Key = "score", Label = "Score", Type = CustomFieldType.Number, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>Every live customer's values by id (the external id among them).</summary>
    private static async Task<Dictionary<long, string>> SnapshotAsync(ImportKit kit)
    {
        await using var db = kit.Open();
        var customers = await db.Customers.AsNoTracking().Where(c => c.DeletedAt == null)
            .Include(c => c.Tags).Include(c => c.Company).Include(c => c.Owner).ToListAsync(Ct);
        return customers.ToDictionary(c => c.Id, c => string.Join("\u241E", [
            c.ExternalId, c.Name, c.Email, c.Phone, c.PhoneIsValid.ToString(), c.Age?.ToString(CultureInfo.InvariantCulture), c.BirthDate?.ToString("O"),
            c.Gender?.ToString(), c.City, c.Address, c.Company?.Name, c.Stage.ToString(), c.Source, c.SignupDate?.ToString("O"),
            string.Join("|", c.Tags.Select(t => t.Name).Order(StringComparer.Ordinal)), c.Owner!.Email,
            string.Join("|", CustomFieldDefinitions.Parse(c.CustomFields).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.GetRawText()}")),
        ]));
    }

    private static Task<byte[]> ExportAsync(ImportKit kit, AccessScope scope, ExportFormat format) =>
        kit.RunAsync(async sp =>
        {
            using var output = new MemoryStream();
            await new ExportCustomers(sp.GetRequiredService<KithDb>(), sp.GetRequiredService<ListEngine>())
                .HandleAsync(scope, new ExportRequest(Format: format), output, null, Ct);
            return output.ToArray();
        });

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CustomersExportedAndImportedComeBackFieldForField(DatabaseProvider provider)
    {
        var random = new Random(20260301);
        await using var source = await ImportKit.StartAsync(provider);
        var admin = await source.AdminAsync();
        await SetUpWorkspaceAsync(source);
        var owners = new long[] { admin.UserId, (await source.ScopeAsync(2)).UserId, (await source.ScopeAsync(3)).UserId };
        var companies = new List<long>();
        foreach (var i in Enumerable.Range(0, 8))
            companies.Add((await source.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(
                new CompanyInput { Name = $"{Text(random, 2)} Co {i}" }, admin, ActorKind.User, Ct))).Id);

        var made = 0;
        for (var i = 0; made < Count; i++)
        {
            // Every twentieth has no key at all (no external id, email or phone): only its kithId can find it again.
            var keyless = i % 20 == 0;
            var birth = random.Next(3) == 0 ? new DateOnly(1950, 1, 1).AddDays(random.Next(20_000)) : (DateOnly?)null;
            var input = new CustomerInput
            {
                ExternalId = keyless || random.Next(4) == 0 ? null : $"{s_prefixes[random.Next(s_prefixes.Length)].Trim()}{Text(random, 1).Trim()}-{i}",
                Name = Text(random),
                Email = keyless || random.Next(5) == 0 ? null : $"{new[] { "", "=", "+", "-", "o'" }[random.Next(5)]}user{i}@example.com",
                Phone = keyless || random.Next(4) == 0 ? null : random.Next(2) == 0 ? $"+86 138{random.Next(10_000_000, 99_999_999)}" : $"+1 415 {random.Next(200, 999)} {random.Next(1000, 9999)}",
                BirthDate = birth,
                Age = birth is null && random.Next(2) == 0 ? random.Next(0, 100) : null,
                Gender = random.Next(4) switch { 0 => null, 1 => Gender.Female, 2 => Gender.Male, _ => Gender.Other },
                City = random.Next(4) == 0 ? null : Text(random, 2),
                Address = random.Next(3) == 0 ? null : Text(random),
                CompanyId = random.Next(3) == 0 ? null : companies[random.Next(companies.Count)],
                Stage = (LifecycleStage)random.Next(4),
                Source = random.Next(2) == 0 ? null : Text(random, 2),
                SignupDate = random.Next(2) == 0 ? null : new DateOnly(2020, 1, 1).AddDays(random.Next(2_000)),
                Tags = [.. Enumerable.Range(0, random.Next(4)).Select(_ => Text(random, 2).Replace(",", "").Replace(";", "").Trim()).Where(t => t.Length is > 0 and <= 50)],
                OwnerId = owners[random.Next(owners.Length)],
                CustomFields = random.Next(2) == 0 ? [] : new Dictionary<string, JsonElement>
                {
                    ["note"] = JsonSerializer.SerializeToElement(Text(random)),
                    ["score"] = JsonSerializer.SerializeToElement(Math.Round(random.NextDouble() * 1000 - 500, 2)),
                },
            };
            try
            {
                await source.RunAsync(sp => sp.GetRequiredService<CreateCustomer>().HandleAsync(input, admin, ActorKind.User, Ct));
                made++;
            }
            catch (RuleViolation)
            {
                // A value the record rules refuse (a tag too long after all) is not a customer anyone could export.
            }
        }
        var original = await SnapshotAsync(source);
        Assert.Equal(Count, original.Count);
        Assert.Contains(original.Values, v => v.StartsWith("\u241E", StringComparison.Ordinal));

        // CSV into a new workspace with the same users and custom fields.
        var csv = await ExportAsync(source, admin, ExportFormat.Csv);
        await using (var target = await ImportKit.StartAsync(provider))
        {
            var targetAdmin = await target.AdminAsync();
            await SetUpWorkspaceAsync(target);
            var imported = await target.ImportAsync(ImportKind.Customers, Write(target, csv, ".csv"), targetAdmin);
            Assert.True(imported.Rejected == 0, string.Join("\n", imported.Errors.Take(5).Select(e => $"{e.Line} {e.Column}: {e.Message}")));
            Assert.Equal((Count, 0L, 0L), (imported.Created, imported.Merged, imported.Skipped));
            // The new workspace has its own mark: every kithId is another install's, and the rows are new records.
            Assert.Equal(Count, imported.Summary!.ForeignKithIds);
            var copy = await SnapshotAsync(target);
            Assert.Equal(original.Values.Order(StringComparer.Ordinal), copy.Values.Order(StringComparer.Ordinal));
        }

        // XLSX back into the same workspace, updating by kithId: nothing differs, so nothing changes, keyless rows included.
        var xlsx = await ExportAsync(source, admin, ExportFormat.Xlsx);
        var update = await source.ImportAsync(ImportKind.Customers, Write(source, xlsx, ".xlsx"), admin, new ImportOptions { Mode = ImportMode.Update });
        Assert.True(update.Rejected == 0, string.Join("\n", update.Errors.Take(5).Select(e => $"{e.Line} {e.Column}: {e.Message}")));
        Assert.Equal((0L, Count), (update.Updated, update.Unchanged));
        Assert.Equal(original, await SnapshotAsync(source));
    }

    private static string Write(ImportKit kit, byte[] bytes, string extension)
    {
        var path = kit.File("", extension);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void TheRandomValuesHoldWhatTheRoundTripIsAbout()
    {
        var random = new Random(20260301);
        var values = Enumerable.Range(0, 500).Select(_ => Text(random)).ToList();
        Assert.Contains(values, v => v.Contains('"'));
        Assert.Contains(values, v => v.Contains(','));
        Assert.Contains(values, v => v.Any(c => c >= 0x4E00 && c <= 0x9FFF));
        foreach (var prefix in new[] { '=', '+', '-', '@' }) Assert.Contains(values, v => v[0] == prefix);
    }
}
