using System.Globalization;
using System.Text.Json;
using Kith.Core.Audit;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Backups;

/// <summary>Where and how often the server backs itself up; no folder means no scheduled backups.</summary>
public sealed record BackupScheduleModel(string? Folder, int EveryHours, int Keep);

/// <summary>How the latest backup went: its file when it worked, the error when not.</summary>
public sealed record LastBackup(DateTime At, string? File, string? Error);

/// <summary>A backup in the schedule's folder.</summary>
public sealed record StoredBackup(string Name, long Bytes, DateTime CreatedAt);

/// <summary>
/// Scheduled backups: the admin's setting (a folder on the server, an interval, how many to keep), the latest
/// outcome, and the run itself — a <see cref="CreateBackup"/> into the folder, then the oldest backups past the
/// number to keep removed. Only files named like Kith's own backups are ever listed, served or removed.
/// </summary>
public sealed class BackupSchedule(KithDb db, CreateBackup create, TimeProvider clock)
{
    public const string FolderKey = "backup.folder";
    public const string EveryHoursKey = "backup.everyHours";
    public const string KeepKey = "backup.keep";
    public const string LastKey = "backup.last";
    public const string FilePrefix = "kith-backup-";
    public const string FileSuffix = ".zip";
    private static readonly SemaphoreSlim s_running = new(1, 1);

    public async Task<BackupScheduleModel> GetAsync(CancellationToken ct = default)
    {
        var values = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith("backup.")).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        return new BackupScheduleModel(
            values.GetValueOrDefault(FolderKey) is { Length: > 0 } folder ? folder : null,
            int.TryParse(values.GetValueOrDefault(EveryHoursKey), CultureInfo.InvariantCulture, out var every) ? every : 24,
            int.TryParse(values.GetValueOrDefault(KeepKey), CultureInfo.InvariantCulture, out var keep) ? keep : 7);
    }

    public async Task<BackupScheduleModel> UpdateAsync(BackupScheduleModel model, AccessScope scope, CancellationToken ct = default)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change scheduled backups.");
        var folder = string.IsNullOrWhiteSpace(model.Folder) ? null : model.Folder.Trim();
        if (folder is not null)
        {
            if (!Path.IsPathFullyQualified(folder))
                throw RuleViolation.Field("folder", $"'{folder}' is not a full path; give a folder on the server such as /var/backups/kith.");
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw RuleViolation.Field("folder", $"Kith cannot create or write {folder}: {e.Message}");
            }
        }
        if (model.EveryHours is < 1 or > 24 * 31) throw RuleViolation.Field("everyHours", "Back up every 1 to 744 hours.");
        if (model.Keep is < 1 or > 1000) throw RuleViolation.Field("keep", "Keep between 1 and 1,000 backups.");
        await SetAsync(FolderKey, folder ?? "", ct);
        await SetAsync(EveryHoursKey, model.EveryHours.ToString(CultureInfo.InvariantCulture), ct);
        await SetAsync(KeepKey, model.Keep.ToString(CultureInfo.InvariantCulture), ct);
        await db.SaveChangesAsync(ct);
        return new BackupScheduleModel(folder, model.EveryHours, model.Keep);
    }

    public async Task<LastBackup?> LastAsync(CancellationToken ct = default)
    {
        var text = await db.Settings.AsNoTracking().Where(s => s.Key == LastKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        return string.IsNullOrEmpty(text) ? null : JsonSerializer.Deserialize<LastBackup>(text, BackupManifest.Json);
    }

    /// <summary>The backups in the folder, newest first.</summary>
    public async Task<IReadOnlyList<StoredBackup>> ListAsync(CancellationToken ct = default)
    {
        var folder = (await GetAsync(ct)).Folder;
        return folder is null ? [] : List(folder);
    }

    public static IReadOnlyList<StoredBackup> List(string folder) =>
        !Directory.Exists(folder) ? [] :
        new DirectoryInfo(folder).EnumerateFiles(FilePrefix + "*" + FileSuffix)
            .Select(f => new StoredBackup(f.Name, f.Length, f.LastWriteTimeUtc))
            .OrderByDescending(f => f.Name, StringComparer.Ordinal).ToList();

    /// <summary>The full path of a listed backup, or null: a name from a request never reaches outside the folder.</summary>
    public async Task<string?> PathOfAsync(string name, CancellationToken ct = default)
    {
        var folder = (await GetAsync(ct)).Folder;
        if (folder is null) return null;
        return List(folder).Any(b => b.Name == name) ? Path.Combine(folder, name) : null;
    }

    /// <summary>Backs up if the schedule is on and the latest attempt is older than the interval; what the worker calls.</summary>
    public async Task<StoredBackup?> RunIfDueAsync(CancellationToken ct)
    {
        var schedule = await GetAsync(ct);
        if (schedule.Folder is null) return null;
        var last = await LastAsync(ct);
        if (last is not null && last.At + TimeSpan.FromHours(schedule.EveryHours) > clock.GetUtcNow().UtcDateTime) return null;
        return await RunAsync(null, "scheduled", ct);
    }

    /// <summary>An administrator's "Back up now".</summary>
    public Task<StoredBackup> RunNowAsync(AccessScope scope, IProgress<BackupProgress>? progress, CancellationToken ct) =>
        scope.IsAdmin ? RunAsync(progress, "now", ct) : throw new Forbidden("Only an administrator may start a backup.");

    /// <summary>Backs up into the schedule's folder now, records the outcome and removes backups past the number to keep.</summary>
    private async Task<StoredBackup> RunAsync(IProgress<BackupProgress>? progress, string trigger, CancellationToken ct)
    {
        var schedule = await GetAsync(ct);
        if (schedule.Folder is null) throw RuleViolation.Field("folder", "Choose a folder for backups first.");
        if (!await s_running.WaitAsync(0, ct)) throw new RuleViolation("A backup is already running on this server; wait for it to finish.", status: 409);
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var name = FilePrefix + now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + FileSuffix;
            var path = Path.Combine(schedule.Folder, name);
            try
            {
                await create.RunAsync(path, includeSecretKey: false, progress, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await RecordAsync(new LastBackup(now, null, e.Message), BackupAudit.Details(path, "failed", e.Message, trigger), name, ct);
                throw;
            }
            await RecordAsync(new LastBackup(now, name, null), BackupAudit.Details(path, "ok", trigger: trigger), name, ct);
            Prune(schedule.Folder, schedule.Keep);
            return new StoredBackup(name, new FileInfo(path).Length, now);
        }
        finally
        {
            s_running.Release();
        }
    }

    /// <summary>Removes the oldest of Kith's backups in the folder so that <paramref name="keep"/> remain; other files are left alone.</summary>
    public static void Prune(string folder, int keep)
    {
        foreach (var old in List(folder).Skip(keep)) File.Delete(Path.Combine(folder, old.Name));
    }

    /// <summary>The outcome for the page, and its audit entry (by Kith itself when scheduled, by the admin for "Back up now"), in one save.</summary>
    private async Task RecordAsync(LastBackup last, object audit, string name, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var text = JsonSerializer.Serialize(last, BackupManifest.Json);
        if (text.Length > 2000) text = JsonSerializer.Serialize(last with { Error = last.Error?[..1500] + "…" }, BackupManifest.Json);
        await SetAsync(LastKey, text, ct);
        db.Audit(AuditActions.Backup, "backup", name, audit);
        await db.SaveChangesAsync(ct);
    }

    private async Task SetAsync(string key, string value, CancellationToken ct)
    {
        var row = await db.Settings.FirstOrDefaultAsync(s => s.Key == key, ct);
        if (row is null) db.Settings.Add(new Setting { Key = key, Value = value });
        else row.Value = value;
    }
}
