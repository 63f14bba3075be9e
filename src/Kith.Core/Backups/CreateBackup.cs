using System.IO.Compression;
using System.Reflection;
using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kith.Core.Backups;

/// <summary>
/// Takes a backup while Kith keeps running. SQLite: VACUUM INTO copies the database as one read transaction sees it,
/// so writers go on and the copy is consistent. PostgreSQL: pg_dump reads a snapshot this handler exports, and the
/// row counts are taken in that same snapshot, so the manifest describes exactly what the dump holds. The
/// attachments folder goes alongside; secret.key only when asked, because whoever holds it and the database can
/// read every mailbox password.
/// </summary>
public sealed class CreateBackup(DatabaseOptions database, TimeProvider clock)
{
    public async Task<BackupManifest> RunAsync(string outFile, bool includeSecretKey, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        outFile = Path.GetFullPath(outFile);
        Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
        var scratch = Path.Combine(Path.GetDirectoryName(outFile)!, $".kith-backup-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        // Written beside its final name and moved at the end, so a half-written archive never looks like a backup.
        var partial = outFile + ".partial";
        try
        {
            var createdAt = clock.GetUtcNow().UtcDateTime;
            var databaseFile = Path.Combine(scratch, "database");
            progress?.Report(new BackupProgress("Copying the database", 0));
            var tables = database.Provider == DatabaseProvider.Sqlite
                ? await CopySqliteAsync(databaseFile, progress, ct)
                : await DumpPostgresAsync(databaseFile, progress, ct);

            var files = new List<BackupFile>();
            await using (var stream = File.Create(partial))
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                progress?.Report(new BackupProgress("Packing files", 0.5, BackupArchive.DatabaseEntry(database.Provider)));
                files.Add(await BackupArchive.AddFileAsync(zip, databaseFile, BackupArchive.DatabaseEntry(database.Provider), ct));
                var attachments = Path.Combine(database.DataDirectory, BackupArchive.AttachmentsFolder);
                var found = Directory.Exists(attachments)
                    ? Directory.EnumerateFiles(attachments, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
                    : [];
                for (var i = 0; i < found.Count; i++)
                {
                    var relative = Path.GetRelativePath(attachments, found[i]).Replace(Path.DirectorySeparatorChar, '/');
                    progress?.Report(new BackupProgress("Packing files", 0.6 + 0.35 * i / found.Count, relative));
                    files.Add(await BackupArchive.AddFileAsync(zip, found[i], BackupArchive.AttachmentsPrefix + relative, ct));
                }
                var key = Path.Combine(database.DataDirectory, SecretBox.KeyFileName);
                var withKey = includeSecretKey && File.Exists(key);
                if (withKey) files.Add(await BackupArchive.AddFileAsync(zip, key, BackupArchive.KeyEntry, ct));
                // The field keys follow the same rule: in the archive only when asked for (ADR-0017).
                var fieldKeys = SensitiveFields.FieldKeyRing.PathFor(database);
                if (includeSecretKey && File.Exists(fieldKeys)) files.Add(await BackupArchive.AddFileAsync(zip, fieldKeys, BackupArchive.FieldKeysEntry, ct));
                var manifest = new BackupManifest
                {
                    KithVersion = Version,
                    CreatedAt = createdAt,
                    Provider = database.Provider,
                    IncludesSecretKey = withKey,
                    Tables = tables,
                    Files = files,
                };
                await BackupArchive.WriteManifestAsync(zip, manifest, ct);
                zip.Dispose();
                File.Move(partial, outFile, overwrite: true);
                progress?.Report(new BackupProgress("Done", 1));
                return manifest;
            }
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }

    public static string Version =>
        typeof(CreateBackup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(CreateBackup).Assembly.GetName().Version?.ToString() ?? "0";

    private async Task<List<TableCount>> CopySqliteAsync(string target, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var live = new SqliteConnectionStringBuilder(database.ConnectionString);
        if (!File.Exists(live.DataSource))
            throw new BackupFailed($"There is no Kith database at {live.DataSource}; check --data.");
        live.DefaultTimeout = 60;
        live.Pooling = false;
        await using (var connection = new SqliteConnection(live.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA busy_timeout=60000; VACUUM INTO $target;";
            cmd.Parameters.AddWithValue("$target", target);
            cmd.CommandTimeout = 0;
            await cmd.ExecuteNonQueryAsync(ct);
        }
        progress?.Report(new BackupProgress("Counting rows", 0.3));
        await using var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ConnectionString);
        await copy.OpenAsync(ct);
        return await TableChecksums.OfSqliteAsync(copy, progress, 0.3, 0.5, ct);
    }

    private async Task<List<TableCount>> DumpPostgresAsync(string target, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        PostgresTools.Require("pg_dump");
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        string name;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, snapshot))
            name = (string)(await export.ExecuteScalarAsync(ct))!;
        await PostgresTools.RunAsync("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", $"--snapshot={name}", $"--file={target}"], database.ConnectionString, ct);
        progress?.Report(new BackupProgress("Counting rows", 0.3));
        var tables = await TableChecksums.OfPostgresAsync(connection, snapshot, progress, 0.3, 0.5, ct);
        await snapshot.CommitAsync(ct);
        return tables;
    }
}
