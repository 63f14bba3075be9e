using System.IO.Compression;
using System.Text.Json;
using Kith.Core.Audit;
using Kith.Core.Backups;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Kith.Core.Tests.Backups;

public sealed class BackupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The CI drill: back up while writes go on, restore into an empty place, compare.</summary>
    [Theory, ClassData(typeof(Providers))]
    public async Task ABackupTakenDuringWritesRestoresEveryWriteAcknowledgedBeforeItAndNoHalfWrite(DatabaseProvider provider)
    {
        SkipWithoutPostgresTools(provider);
        await using var source = await TestDatabase.CreateAsync(provider);
        var owner = await OwnerAsync(source);
        await WriteAttachmentAsync(source, "2026/11/invoice.pdf", "%PDF pretend");
        var acknowledged = new System.Collections.Concurrent.ConcurrentQueue<long>();
        for (var i = 0; i < 20; i++) acknowledged.Enqueue(await WriteCustomerWithPurchaseAsync(source, owner, i));

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 20; !stop.IsCancellationRequested; i++) acknowledged.Enqueue(await WriteCustomerWithPurchaseAsync(source, owner, i));
        }, Ct);
        while (acknowledged.Count < 40) await Task.Delay(10, Ct);
        var beforeBackup = acknowledged.ToArray();
        var archive = Path.Combine(source.Folder, "backup.zip");
        var manifest = await new CreateBackup(source.Options, TimeProvider.System).RunAsync(archive, includeSecretKey: false, null, Ct);
        var countDuringBackup = acknowledged.Count;
        await stop.CancelAsync();
        await writer;
        Assert.True(acknowledged.Count > countDuringBackup || countDuringBackup > beforeBackup.Length, "the writer kept writing while the backup ran");

        await using var target = await TestDatabase.CreateAsync(provider, migrate: false);
        var outcome = await new RestoreBackup().RunAsync(archive, target.Options, force: false, null, Ct);

        Assert.Equal(manifest.CreatedAt, outcome.Manifest.CreatedAt);
        await using var restored = target.Open();
        var ids = await restored.Customers.Select(c => c.Id).ToListAsync(Ct);
        Assert.All(beforeBackup, id => Assert.Contains(id, ids));
        // Each customer and its purchase were written in one transaction: a consistent copy has both or neither.
        var purchases = await restored.Purchases.Select(p => p.CustomerId).ToListAsync(Ct);
        Assert.Equal(ids.Order(), purchases.Order());
        Assert.Equal(manifest.Tables.Single(t => t.Name == "customers").Rows, ids.Count);
        Assert.Equal("%PDF pretend", await File.ReadAllTextAsync(Path.Combine(target.Options.DataDirectory, "attachments", "2026", "11", "invoice.pdf"), Ct));
        Assert.Contains(outcome.Warnings, w => w.Contains("secret.key", StringComparison.Ordinal));
        Assert.DoesNotContain(manifest.Files, f => f.Path == SecretBox.KeyFileName);
        // The restored database opens and upgrades like any other.
        await DatabaseInitializer.MigrateAsync(restored, Ct);

        var verified = await new VerifyBackup().RunAsync(archive, PostgresServer(provider), null, Ct);
        Assert.True(verified.Ok, string.Join("; ", verified.Problems));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task VerifyReportsATableWhoseRowsDoNotMatchTheManifest(DatabaseProvider provider)
    {
        SkipWithoutPostgresTools(provider);
        await using var source = await TestDatabase.CreateAsync(provider);
        var owner = await OwnerAsync(source);
        for (var i = 0; i < 3; i++) await WriteCustomerWithPurchaseAsync(source, owner, i);
        var archive = Path.Combine(source.Folder, "backup.zip");
        await new CreateBackup(source.Options, TimeProvider.System).RunAsync(archive, false, null, Ct);

        await RewriteManifestAsync(archive, m => m with
        {
            Tables = m.Tables.Select(t => t.Name == "customers" ? t with { Rows = t.Rows + 1 } : t).ToList(),
        });
        var outcome = await new VerifyBackup().RunAsync(archive, PostgresServer(provider), null, Ct);

        Assert.False(outcome.Ok);
        Assert.Equal(["Table customers: 3 rows after the restore, 4 in the manifest."], outcome.Problems);
    }

    [Fact]
    public async Task VerifyAndRestoreRefuseADamagedArchive()
    {
        await using var source = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var owner = await OwnerAsync(source);
        for (var i = 0; i < 50; i++) await WriteCustomerWithPurchaseAsync(source, owner, i);
        var archive = Path.Combine(source.Folder, "backup.zip");
        await new CreateBackup(source.Options, TimeProvider.System).RunAsync(archive, false, null, Ct);
        // Damage the database inside the archive the way a bad disk would: same size, different bytes.
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("database/kith.db")!;
            byte[] bytes;
            await using (var input = await entry.OpenAsync(Ct))
            using (var memory = new MemoryStream())
            {
                await input.CopyToAsync(memory, Ct);
                bytes = memory.ToArray();
            }
            bytes[bytes.Length / 2] ^= 0xFF;
            entry.Delete();
            await using var output = await zip.CreateEntry("database/kith.db").OpenAsync(Ct);
            await output.WriteAsync(bytes, Ct);
        }

        var outcome = await new VerifyBackup().RunAsync(archive, null, null, Ct);
        Assert.False(outcome.Ok);
        Assert.Contains(outcome.Problems, p => p.Contains("database/kith.db: its SHA-256 differs", StringComparison.Ordinal));

        await using var target = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, migrate: false);
        var refused = await Assert.ThrowsAsync<BackupFailed>(() => new RestoreBackup().RunAsync(archive, target.Options, false, null, Ct));
        Assert.Contains("nothing was restored", refused.Message);
        Assert.False(File.Exists(Path.Combine(target.Options.DataDirectory, DatabaseOptions.SqliteFileName)));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task RestoreRefusesATargetThatAlreadyHoldsKithUnlessForced(DatabaseProvider provider)
    {
        SkipWithoutPostgresTools(provider);
        await using var source = await TestDatabase.CreateAsync(provider);
        var owner = await OwnerAsync(source);
        var kept = await WriteCustomerWithPurchaseAsync(source, owner, 1);
        var archive = Path.Combine(source.Folder, "backup.zip");
        await new CreateBackup(source.Options, TimeProvider.System).RunAsync(archive, false, null, Ct);
        await using var target = await TestDatabase.CreateAsync(provider);
        await WriteCustomerWithPurchaseAsync(target, await OwnerAsync(target), 99);

        var refused = await Assert.ThrowsAsync<BackupFailed>(() => new RestoreBackup().RunAsync(archive, target.Options, false, null, Ct));
        Assert.Contains("already holds a Kith", refused.Message);
        await using (var untouched = target.Open())
            Assert.Equal(["Customer 99"], await untouched.Customers.Select(c => c.Name).ToListAsync(Ct));

        await new RestoreBackup().RunAsync(archive, target.Options, force: true, null, Ct);
        await using var restored = target.Open();
        Assert.Equal([kept], await restored.Customers.Select(c => c.Id).ToListAsync(Ct));
    }

    [Fact]
    public async Task TheSecretKeyTravelsOnlyWhenAskedFor()
    {
        await using var source = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var box = new SecretBox(source.Options);
        var sealedText = box.Encrypt("mailbox password", "test");
        var archive = Path.Combine(source.Folder, "with-key.zip");
        var manifest = await new CreateBackup(source.Options, TimeProvider.System).RunAsync(archive, includeSecretKey: true, null, Ct);
        Assert.True(manifest.IncludesSecretKey);

        await using var target = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, migrate: false);
        var outcome = await new RestoreBackup().RunAsync(archive, target.Options, false, null, Ct);

        Assert.Empty(outcome.Warnings);
        Assert.Equal("mailbox password", new SecretBox(target.Options).Decrypt(sealedText, "test"));
    }

    [Fact]
    public async Task ScheduledBackupsRunWhenDueAndKeepOnlyTheNewest()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 3, 0, 0, TimeSpan.Zero));
        var folder = Path.Combine(database.Folder, "backups");
        Directory.CreateDirectory(folder);
        var foreign = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(foreign, "not a backup", Ct);
        var adminId = await OwnerAsync(database);
        await using var db = database.Open();
        var schedule = new BackupSchedule(db, new CreateBackup(database.Options, clock), clock);
        var admin = (await AccessScope.ForUserAsync(db, adminId, Ct))!;
        await schedule.UpdateAsync(new BackupScheduleModel(folder, EveryHours: 6, Keep: 2), admin, Ct);

        var made = new List<string?>();
        for (var hour = 0; hour <= 18; hour += 3)
        {
            made.Add((await schedule.RunIfDueAsync(Ct))?.Name);
            clock.Advance(TimeSpan.FromHours(3));
        }

        Assert.Equal(["kith-backup-20261127-030000.zip", null, "kith-backup-20261127-090000.zip", null,
                      "kith-backup-20261127-150000.zip", null, "kith-backup-20261127-210000.zip"], made);
        Assert.Equal(["kith-backup-20261127-210000.zip", "kith-backup-20261127-150000.zip"], (await schedule.ListAsync(Ct)).Select(b => b.Name));
        Assert.True(File.Exists(foreign));
        Assert.Equal("kith-backup-20261127-210000.zip", (await schedule.LastAsync(Ct))!.File);
        Assert.Null(await schedule.PathOfAsync("../kith.db", Ct));
        Assert.Null(await schedule.PathOfAsync("notes.txt", Ct));

        // Each scheduled backup is in the audit trail, by Kith itself, with its file and size.
        var entries = await db.AuditEntries.Where(e => e.Action == AuditActions.Backup).OrderBy(e => e.Sequence).ToListAsync(Ct);
        Assert.Equal(made.Where(m => m is not null), entries.Select(e => e.TargetId));
        Assert.All(entries, e => Assert.Equal(ActorKind.System, e.ActorKind));
        Assert.All(entries, e => Assert.Contains("\"outcome\":\"ok\",\"trigger\":\"scheduled\"", e.Details));
        Assert.All(entries, e => Assert.Matches("\"bytes\":[1-9][0-9]*", e.Details!));

        // A backup that fails is audited too, with the reason.
        Directory.Delete(folder, recursive: true);
        await File.WriteAllTextAsync(folder, "a file where the folder was", Ct);
        clock.Advance(TimeSpan.FromHours(6));
        await Assert.ThrowsAnyAsync<Exception>(() => schedule.RunIfDueAsync(Ct));
        var failed = await db.AuditEntries.Where(e => e.Action == AuditActions.Backup).OrderByDescending(e => e.Sequence).FirstAsync(Ct);
        Assert.Contains("\"outcome\":\"failed\"", failed.Details);
    }

    private static void SkipWithoutPostgresTools(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Postgres && !PostgresTools.Available)
            Assert.Skip("pg_dump and pg_restore are not on PATH: install the PostgreSQL client tools to run the PostgreSQL backup tests (CI has them).");
    }

    private static string? PostgresServer(DatabaseProvider provider) =>
        provider == DatabaseProvider.Postgres
            ? Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable) ?? "Host=127.0.0.1;Port=5432;Username=kith;Password=kith;Database=postgres"
            : null;

    private static async Task<long> OwnerAsync(TestDatabase database)
    {
        await using var db = database.Open();
        var user = new User { Email = $"owner-{Guid.NewGuid():N}@example.com", DisplayName = "Owner", Role = Role.Admin, CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        await db.SaveChangesAsync(Ct);
        return user.Id;
    }

    private static async Task<long> WriteCustomerWithPurchaseAsync(TestDatabase database, long owner, int i)
    {
        await using var db = database.Open();
        var now = DateTime.UtcNow;
        var customer = new Customer { Name = $"Customer {i}", OwnerId = owner, CreatedAt = now, UpdatedAt = now };
        db.Customers.Add(customer);
        db.Purchases.Add(new Purchase { Customer = customer, OrderedAt = now, Product = "Tea", AmountMicros = 1_000_000 * i, CreatedAt = now });
        await db.SaveChangesAsync(Ct);
        return customer.Id;
    }

    private static async Task WriteAttachmentAsync(TestDatabase database, string relative, string content)
    {
        var path = Path.Combine(database.Options.DataDirectory, "attachments", relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, content, Ct);
    }

    private static async Task RewriteManifestAsync(string archive, Func<BackupManifest, BackupManifest> change)
    {
        using var zip = ZipFile.Open(archive, ZipArchiveMode.Update);
        var entry = zip.GetEntry(BackupManifest.EntryName)!;
        BackupManifest manifest;
        await using (var input = await entry.OpenAsync(Ct))
            manifest = (await JsonSerializer.DeserializeAsync<BackupManifest>(input, BackupManifest.Json, Ct))!;
        entry.Delete();
        await using var output = await zip.CreateEntry(BackupManifest.EntryName).OpenAsync(Ct);
        await JsonSerializer.SerializeAsync(output, change(manifest), BackupManifest.Json, Ct);
    }
}
