using System.Text;
using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.SensitiveFields;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.SensitiveFields;

public sealed class SensitiveFieldsTests
{
    private const string Phone = "+8613800138000";
    private const string Digits = "13800138000";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AfterMarkingPhoneSensitiveTheDatabaseHoldsNoPlainPhoneYetReadsHistoryAndEqualityFiltersWork(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        var before = await kit.CreateAsync(admin, new CustomerInput { Name = "Wang", Phone = "138 0013 8000" });
        // A change before the marking puts the plain number in history too.
        await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().PatchAsync(before.Id, Json("""{"phone":"+8613900139000"}"""), null, admin, ActorKind.User, Ct));
        await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().PatchAsync(before.Id, Json($$"""{"phone":"{{Phone}}"}"""), null, admin, ActorKind.User, Ct));
        await kit.CreateAsync(admin, new CustomerInput { Name = "Other", Phone = "+8613700137000" });

        await MarkAsync(kit, admin, "phone", true);
        await ConvertAsync(kit);
        // A customer created and one changed after the marking are sealed on their way in.
        var after = await kit.CreateAsync(admin, new CustomerInput { Name = "Li", Phone = "+8613600136000" });
        await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().PatchAsync(after.Id, Json("""{"phone":"+8613500135000"}"""), null, admin, ActorKind.User, Ct));

        await AssertNowhereInDatabaseAsync(kit, provider, [Digits, "13900139000", "13500135000", "13600136000"]);
        var read = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, before.Id, Ct));
        Assert.Equal(Phone, read.Phone);
        Assert.Equal("+8613500135000", (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, after.Id, Ct))).Phone);
        var history = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().HistoryAsync(admin, before.Id, Ct));
        Assert.Contains(history, h => h.Field == "phone" && h.OldValue == "+8613900139000" && h.NewValue == Phone);

        var found = await ListAsync(kit, admin, new ListRequest(null, $"phone eq {Phone}", null));
        Assert.Equal([before.Id], found.Items.Select(i => i.Id));
        Assert.Equal(Phone, found.Items[0].Phone);
        Assert.Equal(2, (await ListAsync(kit, admin, new ListRequest(null, $"phone in ({Phone}, \"+8613500135000\")", null))).Total);
        Assert.Equal(2, (await ListAsync(kit, admin, new ListRequest(null, $"phone ne {Phone}", null))).Total);
        var substring = await Assert.ThrowsAsync<RuleViolation>(() => ListAsync(kit, admin, new ListRequest(null, "phone contains 138", null)));
        Assert.Equal(400, substring.Status);
        Assert.Contains("'phone' is encrypted: only equality filters", substring.Message);
        // The search index no longer holds the number.
        Assert.Empty((await ListAsync(kit, admin, new ListRequest(Digits, null, null))).Items);
        Assert.Single((await ListAsync(kit, admin, new ListRequest("Wang", null, null))).Items);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RotationReSealsEveryValueWhileOldValuesKeepReadingAndAKeyInUseCannotBeRetired(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        var ids = new List<long>();
        for (var i = 0; i < 5; i++) ids.Add((await kit.CreateAsync(admin, new CustomerInput { Name = "P" + i, Phone = $"+861380013800{i}", BirthDate = new DateOnly(1980, 1, 1 + i) })).Id);
        await MarkAsync(kit, admin, "phone", true);
        await MarkAsync(kit, admin, "birthDate", true);
        await ConvertAsync(kit);
        var status = await kit.RunAsync(sp => sp.GetRequiredService<FieldKeys>().StatusAsync(Ct));
        Assert.Equal("k1", status.ActiveKey);
        Assert.Equal(10, status.ValuesByKey["k1"]);

        // Mid-rotation: a new active key, nothing re-sealed yet. Old values read; new writes use the new key.
        await using (var db = kit.Database.Open()) CustomerSealing.Of(db)!.Cipher.Ring.AddActiveKey();
        var late = await kit.CreateAsync(admin, new CustomerInput { Name = "Late", Phone = "+8613800138009" });
        Assert.Equal("+8613800138001", (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, ids[1], Ct))).Phone);
        Assert.Equal(new DateOnly(1980, 1, 2), (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, ids[1], Ct))).BirthDate);
        Assert.Single((await ListAsync(kit, admin, new ListRequest(null, "birthDate eq 1980-01-03", null))).Items);
        status = await kit.RunAsync(sp => sp.GetRequiredService<FieldKeys>().StatusAsync(Ct));
        Assert.Equal(10, status.ValuesByKey["k1"]);
        Assert.Equal(1, status.ValuesByKey["k2"]);
        var refused = await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<FieldKeys>().RetireAsync("k1", Ct)));
        Assert.Equal(409, refused.Status);

        var result = await kit.RunAsync(sp => sp.GetRequiredService<FieldKeys>().ResumeAsync(null, Ct));
        Assert.Equal(5, result.Customers);
        status = await kit.RunAsync(sp => sp.GetRequiredService<FieldKeys>().StatusAsync(Ct));
        Assert.False(status.ValuesByKey.ContainsKey("k1"));
        Assert.Equal(11, status.ValuesByKey["k2"]);
        await kit.RunAsync(sp => sp.GetRequiredService<FieldKeys>().RetireAsync("k1", Ct));
        Assert.Equal("+8613800138004", (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, ids[4], Ct))).Phone);
        Assert.Equal("+8613800138009", (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, late.Id, Ct))).Phone);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ASealedValueCopiedToAnotherRecordIsAClearErrorNotAnotherPersonsPhone(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await MarkAsync(kit, admin, "phone", true);
        var victim = await kit.CreateAsync(admin, new CustomerInput { Name = "Victim", Phone = Phone });
        var other = await kit.CreateAsync(admin, new CustomerInput { Name = "Other", Phone = "+8613700137000" });
        await using (var db = kit.Database.Open())
        {
            var sealedPhone = await db.Database.SqlQuery<string>($"SELECT phone AS \"Value\" FROM customers WHERE id = {victim.Id}").SingleAsync(Ct);
            Assert.StartsWith("enc:v1:k1:", sealedPhone);
            await db.Customers.Where(c => c.Id == other.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Phone, sealedPhone), Ct);
        }
        var error = await Assert.ThrowsAsync<SealedValueUnreadable>(() => kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, other.Id, Ct)));
        Assert.Equal(409, error.Status);
        Assert.Contains($"The phone of customers record {other.Id} is encrypted but cannot be read", error.Message);
        Assert.Equal(Phone, (await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, victim.Id, Ct))).Phone);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CustomTextFieldsAndAddressesAreSealedFilteredByEqualityAndOpenedAgainWhenUnmarked(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await using (var db = kit.Database.Open())
        {
            db.CustomFields.Add(new CustomFieldDefinition { Entity = CustomFieldEntity.Customer, Key = "passport", Label = "Passport", Type = CustomFieldType.Text, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }
        await MarkAsync(kit, admin, "cf.passport", true);
        await MarkAsync(kit, admin, "address", true);
        var a = await kit.CreateAsync(admin, new CustomerInput { Name = "A", Address = "1 Secret Road", CustomFields = Fields("""{"passport":"E12345678"}""") });
        await kit.CreateAsync(admin, new CustomerInput { Name = "B", CustomFields = Fields("""{"passport":"G87654321"}""") });
        await AssertNowhereInDatabaseAsync(kit, provider, ["E12345678", "Secret Road"]);
        var read = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().GetAsync(admin, a.Id, Ct));
        Assert.Equal("E12345678", read.CustomFields["passport"].GetString());
        Assert.Equal("1 Secret Road", read.Address);
        // Equality on a sealed value ignores case, as the lookup is of the lower-cased value.
        Assert.Equal([a.Id], (await ListAsync(kit, admin, new ListRequest(null, "cf.passport eq e12345678", null))).Items.Select(i => i.Id));
        Assert.Equal([a.Id], (await ListAsync(kit, admin, new ListRequest(null, "address eq \"1 secret road\"", null))).Items.Select(i => i.Id));
        var sort = await Assert.ThrowsAsync<RuleViolation>(() => ListAsync(kit, admin, new ListRequest(null, null, "cf.passport")));
        Assert.Contains("'cf.passport' is encrypted: it cannot be sorted", sort.Message);

        await MarkAsync(kit, admin, "cf.passport", false);
        await ConvertAsync(kit);
        await using (var db = kit.Database.Open())
        {
            var raw = await db.Database.SqlQuery<string>($"SELECT custom_fields AS \"Value\" FROM customers WHERE id = {a.Id}").SingleAsync(Ct);
            Assert.Contains("E12345678", raw);
            Assert.False(await db.SensitiveFields.AnyAsync(f => f.Field == "cf.passport", Ct));
        }
        Assert.Single((await ListAsync(kit, admin, new ListRequest(null, "cf.passport contains 1234", null))).Items);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AMissingKeyFileStopsStartupWithAClearMessage(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Admin"));
        await MarkAsync(kit, admin, "phone", true);
        var keyFile = FieldKeyRing.PathFor(kit.Database.Options);
        Assert.True(File.Exists(keyFile));
        File.Move(keyFile, keyFile + ".away");
        await using var db = kit.Database.Open();
        var error = await Assert.ThrowsAsync<MissingFieldKeys>(() => DatabaseInitializer.MigrateAsync(db, Ct));
        Assert.Contains($"The field key file {keyFile} is missing", error.Message);
    }

    private static async Task MarkAsync(RecordKit kit, AccessScope admin, string field, bool sensitive) =>
        await kit.RunAsync(sp => sp.GetRequiredService<MarkSensitiveField>().HandleAsync(field, sensitive, admin, Ct));

    private static Task<ConversionResult> ConvertAsync(RecordKit kit) =>
        kit.RunAsync(sp => sp.GetRequiredService<ConvertSensitiveValues>().RunAsync(null, Ct));

    private static Task<ListPage<CustomerListItem>> ListAsync(RecordKit kit, AccessScope scope, ListRequest request) =>
        kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(scope, request, Ct));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static Dictionary<string, JsonElement> Fields(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    /// <summary>
    /// SQLite: the bytes of the database file and its write-ahead log after a checkpoint. PostgreSQL: every text
    /// column of every table (its files are the server's), as the erasure tests do.
    /// </summary>
    internal static async Task AssertNowhereInDatabaseAsync(RecordKit kit, DatabaseProvider provider, string[] secrets)
    {
        await using var db = kit.Database.Open();
        if (provider == DatabaseProvider.Sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", Ct);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(kit.Database.Folder, DatabaseOptions.SqliteFileName + "*"))
            {
                var bytes = await File.ReadAllBytesAsync(file, Ct);
                foreach (var secret in secrets)
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{Path.GetFileName(file)} holds '{secret}'.");
            }
            return;
        }
        var columns = await db.Database.SqlQueryRaw<string>(
            "SELECT table_name || '.' || column_name AS \"Value\" FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')").ToListAsync(Ct);
        foreach (var column in columns)
        {
            var (table, name) = (column.Split('.')[0], column.Split('.')[1]);
            foreach (var secret in secrets)
            {
                // Names from information_schema, not from input.
#pragma warning disable EF1002
                var hits = await db.Database.SqlQueryRaw<int>($"SELECT COUNT(*)::int AS \"Value\" FROM \"{table}\" WHERE \"{name}\"::text LIKE {{0}}", "%" + secret + "%").SingleAsync(Ct);
#pragma warning restore EF1002
                Assert.True(hits == 0, $"{column} holds '{secret}'.");
            }
        }
    }
}
