using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kith.Core.Backups;

/// <summary>What a restore did, and what the person restoring still has to do.</summary>
public sealed record RestoreOutcome(BackupManifest Manifest, IReadOnlyList<string> Warnings);

/// <summary>
/// Puts a backup back: checks every file against the manifest first (a damaged archive restores nothing), refuses a
/// target that already holds a Kith unless forced, then writes the database (SQLite file, or pg_restore into the
/// PostgreSQL database named by the connection string), the attachments and, if the backup has it, secret.key.
/// Kith must not be running on the target while this runs; migrations bring an older backup up to date at the next start.
/// </summary>
public sealed class RestoreBackup
{
    public async Task<RestoreOutcome> RunAsync(string archive, DatabaseOptions target, bool force, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        using var zip = BackupArchive.Open(archive);
        var manifest = await BackupArchive.ReadManifestAsync(zip, ct);
        if (manifest.Provider != target.Provider)
            throw new BackupFailed($"The backup is of a {Name(manifest.Provider)} database and the target is {Name(target.Provider)}; restore it with --provider {manifest.Provider.ToString().ToLowerInvariant()}. To move between databases, export and import instead.");
        await RefuseNonEmptyAsync(zip, manifest, target, force, ct);

        Directory.CreateDirectory(target.DataDirectory);
        var scratch = Path.Combine(target.DataDirectory, $".kith-restore-{Guid.NewGuid():N}");
        try
        {
            var problems = await BackupArchive.ExtractCheckedAsync(zip, manifest, scratch, _ => true, progress, 0, 0.5, ct);
            if (problems.Count > 0)
                throw new BackupFailed("The backup is damaged; nothing was restored:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
            progress?.Report(new BackupProgress("Restoring the database", 0.5));
            var databaseFile = Path.Combine(scratch, BackupArchive.DatabaseEntry(manifest.Provider).Replace('/', Path.DirectorySeparatorChar));
            if (target.Provider == DatabaseProvider.Sqlite) PlaceSqlite(databaseFile, target);
            else await RestorePostgresAsync(databaseFile, target.ConnectionString, force, ct);

            progress?.Report(new BackupProgress("Restoring attachments", 0.9));
            var attachments = Path.Combine(target.DataDirectory, BackupArchive.AttachmentsFolder);
            if (Directory.Exists(attachments)) Directory.Delete(attachments, recursive: true);
            var restoredAttachments = Path.Combine(scratch, BackupArchive.AttachmentsFolder);
            if (Directory.Exists(restoredAttachments)) Directory.Move(restoredAttachments, attachments);

            var warnings = new List<string>();
            var key = Path.Combine(target.DataDirectory, SecretBox.KeyFileName);
            if (manifest.IncludesSecretKey)
            {
                File.Copy(Path.Combine(scratch, BackupArchive.KeyEntry), key, overwrite: true);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            else if (!File.Exists(key))
                warnings.Add($"The backup holds no secret.key. Copy the secret.key of the Kith this backup came from into {target.DataDirectory}, or re-enter every mailbox password after the restore.");
            var fieldKeys = SensitiveFields.FieldKeyRing.PathFor(target);
            var packedFieldKeys = Path.Combine(scratch, BackupArchive.FieldKeysEntry);
            if (File.Exists(packedFieldKeys))
            {
                File.Copy(packedFieldKeys, fieldKeys, overwrite: true);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fieldKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            progress?.Report(new BackupProgress("Done", 1));
            return new RestoreOutcome(manifest, warnings);
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }

    private static string Name(DatabaseProvider provider) => provider == DatabaseProvider.Sqlite ? "SQLite" : "PostgreSQL";

    private static async Task RefuseNonEmptyAsync(System.IO.Compression.ZipArchive zip, BackupManifest manifest, DatabaseOptions target, bool force, CancellationToken ct)
    {
        if (force) return;
        var held = new List<string>();
        if (target.Provider == DatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(target.ConnectionString).DataSource;
            if (File.Exists(file)) held.Add(file);
        }
        else if (await PostgresTableCountAsync(target.ConnectionString, ct) is > 0 and var tables)
            held.Add($"the PostgreSQL database ({tables} tables)");
        var attachments = Path.Combine(target.DataDirectory, BackupArchive.AttachmentsFolder);
        if (Directory.Exists(attachments) && Directory.EnumerateFileSystemEntries(attachments).Any()) held.Add(attachments);
        var key = Path.Combine(target.DataDirectory, SecretBox.KeyFileName);
        if (manifest.IncludesSecretKey && File.Exists(key) && zip.GetEntry(BackupArchive.KeyEntry) is { } entry && !await SameBytesAsync(key, entry, ct))
            held.Add(key + " (a different key from the backup's)");
        if (held.Count > 0)
            throw new BackupFailed($"The target already holds a Kith ({string.Join(", ", held)}). Restore into an empty --data folder and database, or pass --force to replace what is there.");
    }

    private static async Task<bool> SameBytesAsync(string file, System.IO.Compression.ZipArchiveEntry entry, CancellationToken ct)
    {
        await using var input = await entry.OpenAsync(ct);
        using var memory = new MemoryStream();
        await input.CopyToAsync(memory, ct);
        var onDisk = await File.ReadAllBytesAsync(file, ct);
        return memory.ToArray().AsSpan().SequenceEqual(onDisk);
    }

    internal static async Task<long> PostgresTableCountAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", connection);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static void PlaceSqlite(string restored, DatabaseOptions target)
    {
        var file = new SqliteConnectionStringBuilder(target.ConnectionString).DataSource;
        SqliteConnection.ClearAllPools();
        // A -wal or -shm file left beside an older database would be replayed over the restored one.
        foreach (var stale in new[] { file + "-wal", file + "-shm", file + "-journal" })
            if (File.Exists(stale)) File.Delete(stale);
        File.Move(restored, file, overwrite: true);
    }

    internal static async Task RestorePostgresAsync(string dump, string connectionString, bool clean, CancellationToken ct)
    {
        List<string> arguments = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"];
        if (clean) arguments.AddRange(["--clean", "--if-exists"]);
        arguments.Add(dump);
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        arguments.Insert(0, $"--dbname={csb.Database}");
        NpgsqlConnection.ClearAllPools();
        await PostgresTools.RunAsync("pg_restore", arguments, connectionString, ct);
    }
}
