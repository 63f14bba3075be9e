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
        Assert.Contains("secret.key is NOT in this backup", error);

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
