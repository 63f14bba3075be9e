using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kith.Core.Backups;

/// <summary>The verdict on a backup: OK when <see cref="Problems"/> is empty.</summary>
public sealed record VerifyOutcome(BackupManifest? Manifest, IReadOnlyList<string> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Proves a backup can be restored: unpacks it into a scratch folder (and, for PostgreSQL, a scratch database on the
/// server named by <c>postgresServer</c>, dropped afterwards), checks every file's SHA-256, runs the database's
/// integrity check and compares every table's row count and checksum with the manifest. It never touches the
/// running Kith's data.
/// </summary>
public sealed class VerifyBackup
{
    public async Task<VerifyOutcome> RunAsync(string archive, string? postgresServer, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        BackupManifest manifest;
        System.IO.Compression.ZipArchive zip;
        try
        {
            zip = BackupArchive.Open(archive);
        }
        catch (BackupFailed e)
        {
            return new VerifyOutcome(null, [e.Message]);
        }
        using (zip)
        {
            try
            {
                manifest = await BackupArchive.ReadManifestAsync(zip, ct);
            }
            catch (Exception e) when (e is BackupFailed or InvalidDataException)
            {
                return new VerifyOutcome(null, [e.Message]);
            }
            var scratch = Path.Combine(Path.GetTempPath(), $"kith-verify-{Guid.NewGuid():N}");
            try
            {
                // secret.key is checked like every file but never written to the scratch folder.
                var problems = await BackupArchive.ExtractCheckedAsync(zip, manifest, scratch, f => f.Path != BackupArchive.KeyEntry, progress, 0, 0.4, ct);
                if (manifest.Files.All(f => f.Path != BackupArchive.DatabaseEntry(manifest.Provider)))
                    problems.Add($"The manifest lists no {BackupArchive.DatabaseEntry(manifest.Provider)}.");
                if (problems.Count > 0) return new VerifyOutcome(manifest, problems);
                var database = Path.Combine(scratch, BackupArchive.DatabaseEntry(manifest.Provider).Replace('/', Path.DirectorySeparatorChar));
                problems.AddRange(manifest.Provider == DatabaseProvider.Sqlite
                    ? await CheckSqliteAsync(database, manifest, progress, ct)
                    : await CheckPostgresAsync(database, manifest, postgresServer, progress, ct));
                progress?.Report(new BackupProgress("Done", 1));
                return new VerifyOutcome(manifest, problems);
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
            }
        }
    }

    private static async Task<List<string>> CheckSqliteAsync(string file, BackupManifest manifest, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        progress?.Report(new BackupProgress("Checking the database", 0.4));
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        var problems = new List<string>();
        await using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check";
            await using var reader = await check.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                if (reader.GetString(0) != "ok") problems.Add("integrity_check: " + reader.GetString(0));
        }
        if (problems.Count > 0) return problems;
        var tables = await TableChecksums.OfSqliteAsync(connection, progress, 0.5, 0.95, ct);
        return TableChecksums.Compare(manifest.Tables, tables);
    }

    private static async Task<List<string>> CheckPostgresAsync(string dump, BackupManifest manifest, string? server, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(server))
            return ["This is a PostgreSQL backup: name a server to restore it into for the check with --database (a user that may create databases; a scratch database is made and dropped)."];
        PostgresTools.Require("pg_restore");
        var name = "kith_verify_" + Guid.NewGuid().ToString("N")[..16];
        await ExecuteAsync(server, $"CREATE DATABASE {name}", ct);
        try
        {
            progress?.Report(new BackupProgress("Restoring into a scratch database", 0.4, name));
            var scratch = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false }.ConnectionString;
            try
            {
                await RestoreBackup.RestorePostgresAsync(dump, scratch, clean: false, ct);
            }
            catch (BackupFailed e)
            {
                return [e.Message];
            }
            await using var connection = new NpgsqlConnection(scratch);
            await connection.OpenAsync(ct);
            var tables = await TableChecksums.OfPostgresAsync(connection, null, progress, 0.6, 0.95, ct);
            return TableChecksums.Compare(manifest.Tables, tables);
        }
        finally
        {
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CancellationToken.None);
        }
    }

    private static async Task ExecuteAsync(string server, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
