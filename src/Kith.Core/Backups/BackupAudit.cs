using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Kith.Core.Backups;

/// <summary>
/// Backups, verifications and restores in the audit trail: which archive (its file name and size), the outcome and,
/// for the command line, the operating-system user who ran it. Scheduled and "Back up now" backups write their entry
/// in the save that records the outcome (<see cref="BackupSchedule"/>); the commands, which run beside the server,
/// write into the trail of the Kith named by --data / --database, when there is one there.
/// </summary>
public static class BackupAudit
{
    public static object Details(string archive, string outcome, string? error = null, string? trigger = null, object? extra = null) => new
    {
        file = Path.GetFileName(archive),
        bytes = File.Exists(archive) ? new FileInfo(archive).Length : (long?)null,
        outcome,
        error = error is { Length: > 1500 } ? error[..1500] + "…" : error,
        trigger,
        osUser = trigger == "cli" ? Environment.UserName : null,
        extra,
    };

    /// <summary>
    /// Adds an entry to the trail of the Kith database in <paramref name="options"/>. With <paramref name="migrate"/>,
    /// brings the database up to date first (a freshly restored one). Returns null when recorded, otherwise why not:
    /// no database there, or it could not be written; the command says so and its own outcome stands.
    /// </summary>
    public static async Task<string?> TryRecordAsync(DatabaseOptions options, string action, string archive, object details, bool migrate, CancellationToken ct)
    {
        if (options.Provider == DatabaseProvider.Sqlite && !File.Exists(new SqliteConnectionStringBuilder(options.ConnectionString).DataSource))
            return $"there is no Kith database in {options.DataDirectory}";
        try
        {
            await using var db = DatabaseRegistration.Open(options);
            if (migrate) await DatabaseInitializer.MigrateAsync(db, ct);
            await db.AuditNowAsync(action, "backup", Path.GetFileName(archive), details, AuditWho.Cli, ct);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e.Message;
        }
    }
}
