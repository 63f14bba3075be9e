using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kith.Core.Backups;

/// <summary>
/// Every table's row count and an order-free checksum of its rows, the same way at backup time and after a restore.
/// SQLite hashes the rows here (it has no hash function of its own); PostgreSQL hashes them in the server
/// (md5 of the row's text form), so the rows never cross the network.
/// </summary>
internal static class TableChecksums
{
    /// <summary>Of a SQLite file; virtual tables (the search index) are left out: their shadow tables are counted.</summary>
    public static async Task<List<TableCount>> OfSqliteAsync(SqliteConnection connection, IProgress<BackupProgress>? progress, double from, double to, CancellationToken ct)
    {
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) tables.Add(reader.GetString(0));
        }
        var counts = new List<TableCount>();
        for (var i = 0; i < tables.Count; i++)
        {
            progress?.Report(new BackupProgress("Counting rows", from + (to - from) * i / tables.Count, tables[i]));
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{tables[i].Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            long rows = 0;
            ulong sum = 0;
            var buffer = new List<byte>(256);
            while (await reader.ReadAsync(ct))
            {
                buffer.Clear();
                for (var c = 0; c < reader.FieldCount; c++) Append(buffer, reader.GetValue(c));
                sum = unchecked(sum + BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(buffer.ToArray())));
                rows++;
            }
            counts.Add(new TableCount(tables[i], rows, sum.ToString("x16", CultureInfo.InvariantCulture)));
        }
        return counts;
    }

    private static void Append(List<byte> buffer, object value)
    {
        switch (value)
        {
            case DBNull:
                buffer.Add(0);
                break;
            case long l:
                buffer.Add(1);
                buffer.AddRange(BitConverter.GetBytes(l));
                break;
            case double d:
                buffer.Add(2);
                buffer.AddRange(BitConverter.GetBytes(d));
                break;
            case byte[] b:
                buffer.Add(3);
                buffer.AddRange(BitConverter.GetBytes(b.Length));
                buffer.AddRange(b);
                break;
            default:
                var text = Encoding.UTF8.GetBytes(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                buffer.Add(4);
                buffer.AddRange(BitConverter.GetBytes(text.Length));
                buffer.AddRange(text);
                break;
        }
    }

    /// <summary>Of the public schema, inside whatever transaction (snapshot) the connection is in.</summary>
    public static async Task<List<TableCount>> OfPostgresAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IProgress<BackupProgress>? progress, double from, double to, CancellationToken ct)
    {
        // Rows print their timestamps in the session's time zone; fix it so the text (and so the hash) is the same everywhere.
        await using (var zone = new NpgsqlCommand("SET TIME ZONE 'UTC'", connection, transaction))
            await zone.ExecuteNonQueryAsync(ct);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) tables.Add(reader.GetString(0));
        var counts = new List<TableCount>();
        for (var i = 0; i < tables.Count; i++)
        {
            progress?.Report(new BackupProgress("Counting rows", from + (to - from) * i / tables.Count, tables[i]));
            var name = "\"" + tables[i].Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using var cmd = new NpgsqlCommand(
                $"SELECT count(*), COALESCE(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint), 0)::text FROM {name} t", connection, transaction);
            cmd.CommandTimeout = 0;
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            counts.Add(new TableCount(tables[i], reader.GetInt64(0), reader.GetString(1)));
        }
        return counts;
    }

    /// <summary>What differs between the manifest's tables and the restored ones; empty when they agree.</summary>
    public static List<string> Compare(IReadOnlyList<TableCount> expected, IReadOnlyList<TableCount> actual)
    {
        var problems = new List<string>();
        var found = actual.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var table in expected)
        {
            if (!found.Remove(table.Name, out var got)) problems.Add($"Table {table.Name} is missing after the restore.");
            else if (got.Rows != table.Rows) problems.Add($"Table {table.Name}: {got.Rows} rows after the restore, {table.Rows} in the manifest.");
            else if (got.Checksum != table.Checksum) problems.Add($"Table {table.Name}: same number of rows ({got.Rows}) but their checksum differs from the manifest.");
        }
        foreach (var extra in found.Keys) problems.Add($"Table {extra} is in the restored database but not in the manifest.");
        return problems;
    }
}
