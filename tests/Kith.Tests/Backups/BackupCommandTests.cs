using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using Kith.Core.Audit;
using Kith.Core.Backups;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Kith.Tests.Infrastructure.CommandRunner;

namespace Kith.Tests.Backups;

/// <summary>`kith backup`, `kith backup verify` and `kith restore` against a running server, and the admin's backup downloads.</summary>
[Collection("Console")]
public sealed class BackupCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BackupWhileServingThenVerifyAndRestoreFromTheCommandLine()
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        await using (var db = host.OpenDb())
        {
            db.Customers.Add(new Customer { Name = "Ann", OwnerId = adminId, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }
        var archive = Path.Combine(host.Database.Folder, "out", "kith.zip");

        var (code, output, error) = await RunAsync("backup", "--out", archive, "--data", host.Database.Folder);
        Assert.True(code == 0, error);
        Assert.Contains($"to {archive}", output);
        Assert.Contains("secret.key and field-keys.json are NOT in this backup", error);

        (code, output, _) = await RunAsync("backup", "verify", archive, "--data", host.Database.Folder);
        Assert.Equal(0, code);
        Assert.StartsWith("OK:", output);

        (code, _, error) = await RunAsync("restore", archive, "--data", host.Database.Folder);
        Assert.Equal(1, code);
        Assert.Contains("already holds a Kith", error);

        var empty = Path.Combine(host.Database.Folder, "restored");
        (code, output, error) = await RunAsync("restore", archive, "--data", empty);
        Assert.True(code == 0, error);
        Assert.Contains("Restored the backup", output);
        Assert.Contains("WARNING: The backup holds no secret.key", error);
        Assert.False(error.Contains("not recorded in the audit trail"), error);
        await using (var restored = Core.Infrastructure.DatabaseRegistration.Open(Core.Infrastructure.DatabaseOptions.Resolve(empty, "sqlite", null)))
        {
            Assert.Equal(["Ann"], await restored.Customers.Select(c => c.Name).ToListAsync(Ct));
            // The restored database says when, by whom and from what it came back.
            var entry = await restored.AuditEntries.OrderByDescending(e => e.Sequence).FirstAsync(Ct);
            Assert.Equal((AuditActions.BackupRestored, "kith.zip", Core.Infrastructure.ActorKind.Cli), (entry.Action, entry.TargetId, entry.ActorKind));
            Assert.Contains("\"outcome\":\"ok\"", entry.Details);
        }

        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Update))
            zip.GetEntry("database/kith.db")!.Delete();
        (code, output, _) = await RunAsync("backup", "verify", archive, "--data", host.Database.Folder);
        Assert.Equal(1, code);
        Assert.Contains("FAILED", output);
        Assert.Contains("database/kith.db is listed in the manifest but missing from the archive.", output);

        // Each command left its entry in the running Kith's trail: the backup, both verifications, the refused restore.
        await using var trail = host.OpenDb();
        var entries = await trail.AuditEntries.Where(e => e.TargetType == "backup").OrderBy(e => e.Sequence).ToListAsync(Ct);
        Assert.Equal([AuditActions.Backup, AuditActions.BackupVerified, AuditActions.BackupRestored, AuditActions.BackupVerified], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(("kith.zip", Core.Infrastructure.ActorKind.Cli), (e.TargetId, e.ActorKind)));
        Assert.Equal(["ok", "ok", "failed", "failed"], entries.Select(e => System.Text.Json.JsonDocument.Parse(e.Details!).RootElement.GetProperty("outcome").GetString()));
        Assert.Contains($"\"bytes\":{new FileInfo(archive).Length}", entries[3].Details);
        Assert.Contains("already holds a Kith", entries[2].Details);
        Assert.Contains($"\"osUser\":\"{Environment.UserName}\"", entries[0].Details);
    }

    /// <summary>The drill CI runs: a backup while clients write, restored into a new folder and compared.</summary>
    [Fact]
    public async Task ABackupTakenWhileClientsWriteRestoresToAConsistentCopyWithEveryWriteAcknowledgedBeforeIt()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        var acknowledged = new ConcurrentQueue<long>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var created = await client.PostJsonAsync("/api/v1/customers", new { name = $"Writer {w} #{n}", email = $"w{w}n{n}@drill.example" });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                var id = (await created.JsonAsync()).GetProperty("id").GetInt64();
                var call = await client.PostJsonAsync("/api/v1/communications", new { customerId = id, channel = "phone", subject = $"drill {w} {n}" });
                Assert.Equal(HttpStatusCode.Created, call.StatusCode);
                acknowledged.Enqueue(id);
            }
        }, Ct)).ToList();
        while (acknowledged.Count < 30 && !writers.Any(t => t.IsCompleted)) await Task.Delay(10, Ct);
        var before = acknowledged.ToHashSet();
        var archive = Path.Combine(host.Database.Folder, "drill", "kith.zip");
        var backup = await RunAsync("backup", "--out", archive, "--data", host.Database.Folder);
        var after = acknowledged.ToHashSet();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(backup.Code == 0, backup.Error);

        var verify = await RunAsync("backup", "verify", archive);
        Assert.True(verify.Code == 0, verify.Out + verify.Error);
        Assert.StartsWith("OK:", verify.Out);
        var folder = Path.Combine(host.Database.Folder, "drill", "restored");
        var restore = await RunAsync("restore", archive, "--data", folder);
        Assert.True(restore.Code == 0, restore.Error);

        await using var restored = Core.Infrastructure.DatabaseRegistration.Open(Core.Infrastructure.DatabaseOptions.Resolve(folder, "sqlite", null));
        await using var live = host.OpenDb();
        Assert.Equal(["ok"], await restored.Database.SqlQueryRaw<string>("SELECT integrity_check AS \"Value\" FROM pragma_integrity_check").ToListAsync(Ct));
        var copy = await restored.Customers.Select(c => new { c.Id, c.Name, c.Email }).ToListAsync(Ct);
        var ids = copy.Select(c => c.Id).ToHashSet();
        // Everything acknowledged before the backup began is in it; nothing in it is unknown to the live database.
        Assert.Subset(ids, before);
        Assert.True(ids.Count <= after.Count + 3, $"The copy holds {ids.Count} customers, more than the {after.Count} acknowledged by its end (+3 in flight).");
        var originals = await live.Customers.Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.Name, c.Email }).ToListAsync(Ct);
        Assert.Equal(originals.OrderBy(c => c.Id), copy.OrderBy(c => c.Id));
        // A customer in the copy has its call with it: the copy is one moment of the database, not a mix of two.
        var calls = await restored.Communications.GroupBy(c => c.CustomerId).Select(g => new { Customer = g.Key, Count = g.Count() }).ToListAsync(Ct);
        Assert.All(calls, c => Assert.Equal(1, c.Count));
        Assert.True(calls.Count >= ids.Count - 3, $"{ids.Count} customers but only {calls.Count} with their call: more than the in-flight ones are torn.");
    }

    [Fact]
    public async Task OnlyAnAdministratorDownloadsAScheduledBackupAndOnlyByItsListedName()
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        await host.CreateUserAsync("bo@example.com", Role.Manager);
        StoredBackup made;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var schedule = scope.ServiceProvider.GetRequiredService<BackupSchedule>();
            var db = scope.ServiceProvider.GetRequiredService<Core.Infrastructure.KithDb>();
            var admin = (await Core.Identity.AccessScope.ForUserAsync(db, adminId, Ct))!;
            await schedule.UpdateAsync(new BackupScheduleModel(Path.Combine(host.Database.Folder, "backups"), 24, 3), admin, Ct);
            made = await schedule.RunNowAsync(admin, null, Ct);
        }

        var asAdmin = await host.SignedInClientAsync("ada@example.com");
        var download = await asAdmin.GetAsync($"/admin/backups/files/{made.Name}", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(made.Bytes, (await download.Content.ReadAsByteArrayAsync(Ct)).Length);
        Assert.Equal(HttpStatusCode.NotFound, (await asAdmin.GetAsync("/admin/backups/files/kith.db", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asAdmin.GetAsync("/admin/backups/files/..%2Fkith.db", Ct)).StatusCode);

        var asManager = await host.SignedInClientAsync("bo@example.com");
        var refused = await asManager.GetAsync($"/admin/backups/files/{made.Name}", Ct);
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal(0, (await refused.Content.ReadAsByteArrayAsync(Ct)).Length == made.Bytes ? 1 : 0);
    }
}
