using System.Data.Common;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Kith.Core.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;
using NpgsqlTypes;

namespace Kith.Core.Importing;

/// <summary>
/// Inserts many new rows of one entity inside the context's current transaction, much faster than change tracking:
/// one prepared INSERT reused per row on SQLite, binary COPY on PostgreSQL. Columns and value conversions come from
/// the EF model, so a row is stored exactly as SaveChanges would store it. Ids are given by the caller
/// (<see cref="ReserveIdsAsync"/>), which keeps related rows of one batch linkable without a round trip per row.
/// </summary>
internal sealed class BulkInsert<T> where T : class
{
    private readonly KithDb _db;
    private readonly string _table;
    private readonly List<Column> _columns;
    /// <summary>Whether every column binds through <see cref="SqliteStatement"/> (otherwise Microsoft.Data.Sqlite binds them).</summary>
    private readonly bool _raw;

    /// <summary>
    /// Each model's table and columns for <typeparamref name="T"/>, worked out once: a batch makes a new BulkInsert,
    /// and compiling the binders per batch cost more than binding the rows (ADR-0030).
    /// </summary>
    private static readonly ConditionalWeakTable<IModel, Shape> s_shapes = new();

    private sealed record Shape(string Table, List<Column> Columns, bool Raw);

    public BulkInsert(KithDb db)
    {
        _db = db;
        (_table, _columns, _raw) = s_shapes.GetValue(db.Model, model => ShapeOf(model, db.Provider));
    }

    private static Shape ShapeOf(IModel model, DatabaseProvider provider)
    {
        var entity = model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        var columns = new List<Column>();
        var raw = true;
        foreach (var p in entity.GetProperties())
        {
            if (p.IsShadowProperty()) continue;
            var column = p.GetColumnName(store);
            if (column is null) continue;
            var getter = p.GetGetter();
            var converter = p.GetValueConverter() ?? p.GetTypeMapping().Converter;
            var providerType = Nullable.GetUnderlyingType(converter?.ProviderClrType ?? p.ClrType) ?? converter?.ProviderClrType ?? p.ClrType;
            var bind = SqliteStatement.Binds(providerType) && provider == DatabaseProvider.Sqlite ? Binder(p, converter) : null;
            columns.Add(new Column(column, e =>
            {
                var v = getter.GetClrValue(e);
                return v is null ? null : converter is null ? v : converter.ConvertToProvider(v);
            }, PgType(providerType), bind));
            raw &= bind is not null;
        }
        return new Shape(table, columns, raw);
    }

    /// <summary>A column: its value as EF would store it (boxed), its PostgreSQL type, and on SQLite its typed binder.</summary>
    private sealed record Column(string Name, Func<T, object?> Value, NpgsqlDbType PgType, Action<SqliteStatement, int, T>? Bind);

    /// <summary>
    /// Binds one property of a row, converted as EF converts it, through <see cref="SqliteStatement"/>'s typed binds:
    /// compiled once per column, so a value is never boxed and its type never tested (ADR-0030).
    /// </summary>
    private static Action<SqliteStatement, int, T>? Binder(IProperty property, ValueConverter? converter)
    {
        var statement = Expression.Parameter(typeof(SqliteStatement), "statement");
        var index = Expression.Parameter(typeof(int), "index");
        var row = Expression.Parameter(typeof(T), "row");
        Expression? member = property.PropertyInfo is { } info ? Expression.Property(row, info)
            : property.FieldInfo is { } field ? Expression.Field(row, field) : null;
        if (member is null) return null;
        var held = Expression.Variable(member.Type, "value");
        var underlying = Nullable.GetUnderlyingType(member.Type);
        Expression value = underlying is null ? held : Expression.Property(held, "Value");
        if (converter is not null)
        {
            if (value.Type != converter.ModelClrType) value = Expression.Convert(value, converter.ModelClrType);
            value = Expression.Invoke(converter.ConvertToProviderExpression, value);
        }
        if (Nullable.GetUnderlyingType(value.Type) is { } inner) value = Expression.Convert(value, inner);
        if (value.Type == typeof(int) || value.Type == typeof(short) || value.Type == typeof(byte)) value = Expression.Convert(value, typeof(long));
        if (value.Type == typeof(float)) value = Expression.Convert(value, typeof(double));
        var method = typeof(SqliteStatement).GetMethod(nameof(SqliteStatement.Bind), [typeof(int), value.Type]);
        if (method is null) return null;
        Expression bind = Expression.Call(statement, method, index, value);
        Expression? isNull = underlying is not null ? Expression.Not(Expression.Property(held, "HasValue"))
            : !member.Type.IsValueType ? Expression.Equal(held, Expression.Constant(null, member.Type)) : null;
        if (isNull is not null)
            bind = Expression.IfThenElse(isNull, Expression.Call(statement, nameof(SqliteStatement.BindNull), null, index), bind);
        var body = Expression.Block([held], Expression.Assign(held, member), bind);
        return Expression.Lambda<Action<SqliteStatement, int, T>>(body, statement, index, row).Compile();
    }

    public string Table => _table;

    /// <summary>
    /// Hands out <paramref name="count"/> new ids. On SQLite the caller holds the write lock (its transaction began
    /// IMMEDIATE), so the ids after both the largest stored one and the largest ever handed out (AUTOINCREMENT keeps
    /// it in sqlite_sequence) are free: an id is never reused, so a new record never inherits the history of a
    /// removed one. On PostgreSQL they come from the sequence, one by one, so a record created at the same time by
    /// someone else only makes the block not consecutive.
    /// </summary>
    public async Task<IdBlock> ReserveIdsAsync(int count, CancellationToken ct)
    {
        if (count == 0) return IdBlock.Empty;
        var conn = _db.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = _db.Database.CurrentTransaction?.GetDbTransaction();
        if (_db.Provider == DatabaseProvider.Sqlite)
        {
            cmd.CommandText = $"SELECT MAX(COALESCE((SELECT MAX(id) FROM {_table}), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{_table}'), 0))";
            var max = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
            return IdBlock.From(max + 1, count);
        }
        cmd.CommandText = $"SELECT nextval(pg_get_serial_sequence('{_table}', 'id')) FROM generate_series(1, {count})";
        var ids = new long[count];
        var i = 0;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct) && i < count) ids[i++] = reader.GetInt64(0);
        return IdBlock.Of(ids);
    }

    public async Task InsertAsync(IReadOnlyList<T> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        var conn = _db.Database.GetDbConnection();
        var tx = _db.Database.CurrentTransaction?.GetDbTransaction() ?? throw new InvalidOperationException("Bulk inserts run inside a transaction.");
        if (_db.Provider == DatabaseProvider.Sqlite) InsertSqlite((SqliteConnection)conn, (SqliteTransaction)tx, rows);
        else await CopyPostgresAsync((NpgsqlConnection)conn, rows, ct);
    }

    /// <summary>
    /// Writes every column of stored rows back, by id, on SQLite: one prepared UPDATE reused per row, bound as
    /// <see cref="InsertAsync"/> binds (ADR-0034). The caller holds the write lock, so no one else changed them since
    /// they were read; PostgreSQL callers save through EF instead.
    /// </summary>
    public void UpdateSqlite(IReadOnlyList<T> rows)
    {
        if (rows.Count == 0) return;
        if (_db.Provider != DatabaseProvider.Sqlite || !_raw) throw new NotSupportedException($"{_table} is updated in bulk on SQLite only.");
        var id = _columns.FindIndex(c => c.Name == "id");
        if (id < 0) throw new InvalidOperationException($"{_table} has no id column.");
        var set = _columns.Select((c, i) => (c, i)).Where(x => x.i != id).ToList();
        var sql = $"UPDATE {_table} SET {string.Join(", ", set.Select((x, n) => $"{x.c.Name} = ?{n + 1}"))} WHERE id = ?{set.Count + 1}";
        using var statement = new SqliteStatement((SqliteConnection)_db.Database.GetDbConnection(), sql);
        foreach (var row in rows)
        {
            for (var n = 0; n < set.Count; n++) set[n].c.Bind!(statement, n + 1, row);
            _columns[id].Bind!(statement, set.Count + 1, row);
            if (statement.Execute() != 1) throw new InvalidOperationException($"A row of {_table} to update is not stored.");
        }
    }

    /// <summary>
    /// Inserts rows the database gives ids to, leaving out any row whose unique key (an order, communication or
    /// event id, in <paramref name="keyColumn"/>) is already stored; returns the indexes of the rows left out. The
    /// caller has removed repeated keys from <paramref name="rows"/>.
    /// </summary>
    public async Task<IReadOnlyList<int>> InsertNewAsync(IReadOnlyList<T> rows, string keyColumn, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var columns = _columns.Where(c => c.Name != "id").ToList();
        var key = columns.FindIndex(c => c.Name == keyColumn);
        if (key < 0) throw new ArgumentException($"{_table} has no column {keyColumn}.", nameof(keyColumn));
        var conn = _db.Database.GetDbConnection();
        var tx = _db.Database.CurrentTransaction?.GetDbTransaction() ?? throw new InvalidOperationException("Bulk inserts run inside a transaction.");
        var names = string.Join(", ", columns.Select(c => c.Name));
        var skipped = new List<int>();
        if (_db.Provider == DatabaseProvider.Sqlite)
        {
            var sql = $"INSERT INTO {_table} ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))}) ON CONFLICT DO NOTHING";
            if (_raw) return InsertNewSqlite((SqliteConnection)conn, (SqliteTransaction)tx, columns, key, rows);
            using var cmd = ((SqliteConnection)conn).CreateCommand();
            cmd.Transaction = (SqliteTransaction)tx;
            cmd.CommandText = sql;
            var parameters = columns.Select((_, i) => cmd.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
            cmd.Prepare();
            for (var r = 0; r < rows.Count; r++)
            {
                for (var i = 0; i < parameters.Length; i++) parameters[i].Value = columns[i].Value(rows[r]) ?? DBNull.Value;
                if (cmd.ExecuteNonQuery() == 0) skipped.Add(r);
            }
            return skipped;
        }
        // One statement per batch: the columns as arrays, unnested into rows; the keys of the rows that went in come back.
        await using var pg = ((NpgsqlConnection)conn).CreateCommand();
        pg.CommandText = $"INSERT INTO {_table} ({names}) SELECT * FROM unnest({string.Join(", ", columns.Select((_, i) => "@p" + i))}) ON CONFLICT DO NOTHING RETURNING {keyColumn}";
        var keys = new string?[rows.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var (_, value, type, _) = columns[i];
            var array = ArrayOf(type, rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var v = value(rows[r]);
                array.SetValue(v, r);
                if (i == key) keys[r] = v as string;
            }
            pg.Parameters.Add(new NpgsqlParameter("p" + i, NpgsqlDbType.Array | type) { Value = array });
        }
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await pg.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                if (!reader.IsDBNull(0)) inserted.Add(reader.GetString(0));
        for (var r = 0; r < rows.Count; r++)
            if (keys[r] is { } k && !inserted.Contains(k)) skipped.Add(r);
        return skipped;
    }

    /// <summary>Rows bound into one multi-row INSERT on SQLite (ADR-0027): one statement step for many rows.</summary>
    internal const int RowsPerStatement = 200;

    /// <summary>
    /// <see cref="InsertNewAsync"/> on SQLite: whole runs of rows go into one multi-row INSERT … ON CONFLICT DO NOTHING.
    /// SQLite then says only how many went in; when fewer than the run held, the keys of the rows that did go in are
    /// read back (they hold the newest ids: this transaction holds the write lock and new rows get ids above every
    /// stored one), and the rows whose key is not among them are the ones left out. A row without a key cannot be
    /// recognised that way and goes in alone, as before.
    /// </summary>
    private List<int> InsertNewSqlite(SqliteConnection conn, SqliteTransaction tx, List<Column> columns,
        int key, IReadOnlyList<T> rows)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        var tuple = "(" + string.Join(", ", columns.Select(_ => "?")) + ")";
        string Insert(int n) => $"INSERT INTO {_table} ({names}) VALUES {string.Join(", ", Enumerable.Repeat(tuple, n))} ON CONFLICT DO NOTHING";
        var many = _columns.Any(c => c.Name == "id") ? RowsPerStatement : 1;
        var skipped = new List<int>();
        var keys = new object?[rows.Count];
        for (var r = 0; r < rows.Count; r++) keys[r] = columns[key].Value(rows[r]);
        using var one = new SqliteStatement(conn, Insert(1));
        SqliteStatement? full = null;
        try
        {
            var r = 0;
            while (r < rows.Count)
            {
                // A run: up to RowsPerStatement rows that all have a key; a full run binds at once, anything shorter row by row.
                var n = 0;
                while (n < many && r + n < rows.Count && keys[r + n] is not null) n++;
                if (n == many && many > 1)
                {
                    full ??= new SqliteStatement(conn, Insert(many));
                    for (var j = 0; j < n; j++)
                        for (var i = 0; i < columns.Count; i++) columns[i].Bind!(full, j * columns.Count + i + 1, rows[r + j]);
                    var inserted = full.Execute();
                    if (inserted < n) skipped.AddRange(LeftOut(conn, tx, columns[key].Name, keys, r, n, inserted));
                    r += n;
                    continue;
                }
                for (var i = 0; i < columns.Count; i++) columns[i].Bind!(one, i + 1, rows[r]);
                if (one.Execute() == 0) skipped.Add(r);
                r++;
            }
        }
        finally
        {
            full?.Dispose();
        }
        return skipped;
    }

    /// <summary>The indexes (from <paramref name="start"/>, <paramref name="count"/> of them) whose key is not among the <paramref name="inserted"/> newest rows.</summary>
    private IEnumerable<int> LeftOut(SqliteConnection conn, SqliteTransaction tx, string keyColumn, object?[] keys, int start, int count, int inserted)
    {
        var stored = new HashSet<object>();
        if (inserted > 0)
        {
            using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT {keyColumn} FROM {_table} ORDER BY id DESC LIMIT {inserted}";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) stored.Add(reader.GetValue(0));
        }
        return Enumerable.Range(start, count).Where(i => !stored.Contains(keys[i]!)).ToList();
    }

    private static Array ArrayOf(NpgsqlDbType type, int length) => type switch
    {
        NpgsqlDbType.Text => new string?[length],
        NpgsqlDbType.Bigint => new long?[length],
        NpgsqlDbType.Integer => new int?[length],
        NpgsqlDbType.Boolean => new bool?[length],
        NpgsqlDbType.Double => new double?[length],
        NpgsqlDbType.TimestampTz => new DateTime?[length],
        NpgsqlDbType.Date => new DateOnly?[length],
        NpgsqlDbType.Uuid => new Guid?[length],
        _ => throw new NotSupportedException($"No array mapping for {type}."),
    };

    private void InsertSqlite(SqliteConnection conn, SqliteTransaction tx, IReadOnlyList<T> rows)
    {
        var sql = $"INSERT INTO {_table} ({string.Join(", ", _columns.Select(c => c.Name))}) VALUES ({string.Join(", ", _columns.Select((_, i) => "$p" + i))})";
        if (_raw)
        {
            using var statement = new SqliteStatement(conn, sql);
            foreach (var row in rows)
            {
                for (var i = 0; i < _columns.Count; i++) _columns[i].Bind!(statement, i + 1, row);
                statement.Execute();
            }
            return;
        }
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        var parameters = _columns.Select((_, i) => cmd.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        cmd.Prepare();
        foreach (var row in rows)
        {
            for (var i = 0; i < parameters.Length; i++) parameters[i].Value = _columns[i].Value(row) ?? DBNull.Value;
            cmd.ExecuteNonQuery();
        }
    }

    private async Task CopyPostgresAsync(NpgsqlConnection conn, IReadOnlyList<T> rows, CancellationToken ct)
    {
        await using var writer = await conn.BeginBinaryImportAsync(
            $"COPY {_table} ({string.Join(", ", _columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(ct);
            foreach (var (_, value, type, _) in _columns)
            {
                var v = value(row);
                if (v is null) await writer.WriteNullAsync(ct);
                else await writer.WriteAsync(v, type, ct);
            }
        }
        await writer.CompleteAsync(ct);
    }

    private static NpgsqlDbType PgType(Type t) => t switch
    {
        _ when t == typeof(string) => NpgsqlDbType.Text,
        _ when t == typeof(long) => NpgsqlDbType.Bigint,
        _ when t == typeof(int) => NpgsqlDbType.Integer,
        _ when t == typeof(bool) => NpgsqlDbType.Boolean,
        _ when t == typeof(double) => NpgsqlDbType.Double,
        _ when t == typeof(DateTime) => NpgsqlDbType.TimestampTz,
        _ when t == typeof(DateOnly) => NpgsqlDbType.Date,
        _ when t == typeof(Guid) => NpgsqlDbType.Uuid,
        _ => throw new NotSupportedException($"No COPY mapping for {t}."),
    };
}

/// <summary>Ids reserved for new rows of one batch, handed out in order.</summary>
internal sealed class IdBlock
{
    private readonly long[]? _ids;
    private readonly long _first;
    private readonly int _count;
    private int _used;

    private IdBlock(long[]? ids, long first, int count) => (_ids, _first, _count) = (ids, first, count);

    public static readonly IdBlock Empty = new(null, 0, 0);

    public static IdBlock From(long first, int count) => new(null, first, count);

    public static IdBlock Of(long[] ids) => new(ids, 0, ids.Length);

    public long Next()
    {
        if (_used >= _count) throw new InvalidOperationException("The batch used more new ids than it reserved.");
        var i = _used++;
        return _ids is null ? _first + i : _ids[i];
    }
}

internal static class Sql
{
    public static async Task<int> ExecAsync(KithDb db, string sql, CancellationToken ct, params object?[] args)
    {
        var conn = db.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = (db.Provider == DatabaseProvider.Sqlite ? "$" : "@") + "p" + i;
            p.Value = args[i] ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string P(KithDb db, int i) => (db.Provider == DatabaseProvider.Sqlite ? "$" : "@") + "p" + i;

    public static async Task ReadAsync(KithDb db, string sql, Action<DbDataReader> row, CancellationToken ct, params object?[] args)
    {
        var conn = db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = (db.Provider == DatabaseProvider.Sqlite ? "$" : "@") + "p" + i;
            p.Value = args[i] ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) row(reader);
    }
}
