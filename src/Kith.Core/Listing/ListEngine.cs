using System.Data.Common;
using System.Globalization;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kith.Core.Listing;

/// <summary>The ids of one page in order, the cursor of the next page and the total.</summary>
public sealed record ListResult(IReadOnlyList<long> Ids, string? NextCursor, long Total, bool TotalIsEstimate);

/// <summary>
/// Lists owned records (customers, companies) fast at a million rows, on SQLite and PostgreSQL:
/// <list type="bullet">
/// <item>every query is limited to the caller's reach and to live records, so what is out of reach is never counted or shown;</item>
/// <item>search walks the n-gram index (FTS5 / GIN) and confirms the substring with LIKE; see <see cref="SearchGrams"/>;</item>
/// <item>filters (<see cref="FilterParser"/>) compile to SQL over a whitelist of columns, values always parameters;</item>
/// <item>pages are keyset pages over (sort key, id) with the partial indexes of the entity configurations, so
/// page 1,000 costs what page 1 costs; NULL sort keys form their own run, placed where each database sorts them;</item>
/// <item>the total is counted up to <see cref="CountCap"/>; beyond that it is estimated from id-range samples and labelled so.</item>
/// </list>
/// The SQL is built by hand (not LINQ) because FTS5 MATCH, row-value comparisons and the capped count have no
/// LINQ form; it is only ever assembled from the schema's column names and parameter placeholders.
/// </summary>
public sealed class ListEngine(KithDb db)
{
    /// <summary>Counting stops here; above it the total is an estimate.</summary>
    public const int CountCap = 10_000;
    /// <summary>
    /// On SQLite a search with at most this many n-gram candidates is driven from the FTS index and sorted;
    /// with more, matches are dense enough that walking the sort index and checking LIKE finds a page sooner.
    /// </summary>
    public const int SearchDriveLimit = 4_000;
    private const int SampleWindows = 4;
    private const int SampleWidth = 2_500;

    public async Task<ListResult> RunAsync(ListSchema schema, AccessScope scope, ListRequest request, CancellationToken ct)
    {
        if (request.Limit is < 1 or > ListRequest.MaxLimit)
            throw RuleViolation.Field("limit", $"limit must be between 1 and {ListRequest.MaxLimit}.");
        var q = request.Q is { Length: > 200 } ? throw RuleViolation.Field("q", "A search may have at most 200 characters.") : request.Q;
        var sortText = string.IsNullOrWhiteSpace(request.Sort) ? schema.DefaultSort : request.Sort.Trim();
        var definitions = await db.CustomFields.AsNoTracking().Where(f => f.Entity == schema.CustomFieldEntity).ToListAsync(ct);
        var sql = new SqlBuilder(db.Provider, schema, definitions, scope.UserId);
        var sort = sql.ParseSort(sortText);
        var filter = FilterParser.Parse(request.Filter);
        var hash = ListCursor.Hash(q?.Trim(), request.Filter?.Trim(), sort.Canonical);
        var cursor = request.Cursor is { Length: > 0 } c ? ListCursor.Decode(c, hash) : null;

        var where = new List<string> { "t.deleted_at IS NULL" };
        if (scope.OwnerIds is { } owners)
            where.Add(owners.Count == 0 ? "1 = 0" : $"t.owner_id IN ({string.Join(", ", owners.Order().Select(o => sql.Param(o)))})");
        if (filter is not null) where.Add(sql.Compile(filter));

        var await_ = new Connection(db);
        await using var _ = await_;
        await await_.OpenAsync(ct);

        var search = await SearchAsync(sql, schema, q, await_, ct);
        if (search.Clause is not null) where.Add(search.Clause);
        var baseWhere = string.Join(" AND ", where);

        var rows = await PageAsync(sql, schema, sort, baseWhere, search.DriveFromIndex, cursor, request.Limit + 1, await_, ct);
        var hasMore = rows.Count > request.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);

        long total;
        bool estimate;
        if (cursor is not null) (total, estimate) = (cursor.Total, cursor.Estimate);
        else (total, estimate) = await CountAsync(sql, schema, baseWhere, search, rows.Count, hasMore, await_, ct);

        string? next = null;
        if (hasMore)
        {
            var last = rows[^1];
            var (kind, value) = ListCursor.FromDatabase(last.SortValue);
            next = new ListCursor(sort.Canonical, kind, value, last.Id, hash, total, estimate).Encode();
        }
        return new ListResult(rows.Select(r => r.Id).ToList(), next, total, estimate);
    }

    /// <summary>
    /// How a search runs: <see cref="Clause"/> goes into the WHERE; on SQLite <see cref="IndexClause"/> is the FTS5
    /// lookup and <see cref="Candidates"/> how many records it holds (capped), which picks the plan.
    /// </summary>
    private sealed record SearchPlan(string? Clause, bool DriveFromIndex, long Candidates = 0, string? IndexClause = null);

    private async Task<SearchPlan> SearchAsync(SqlBuilder sql, ListSchema schema, string? q, Connection conn, CancellationToken ct)
    {
        var normalized = SearchGrams.NormalizeQuery(q);
        if (normalized.Length == 0) return new SearchPlan(null, false);
        var like = $"t.search_text LIKE {sql.Param("%" + EscapeLike(normalized) + "%")} ESCAPE '\\'";
        var tokens = SearchGrams.QueryTokens(normalized);
        if (tokens.Count == 0) return new SearchPlan(like, false);
        if (db.Provider == DatabaseProvider.Postgres)
            return new SearchPlan($"string_to_array(t.search_grams, ' ') @> {sql.Param(tokens.ToArray())} AND {like}", false);

        var match = string.Join(" AND ", tokens);
        var matchParam = sql.Param(match);
        // One cheap look at the index decides the plan: how many records hold every gram (up to a cap).
        var probe = new SqlBuilder(db.Provider, schema, [], 0);
        var candidates = await conn.ScalarAsync<long>(
            $"SELECT COUNT(*) FROM (SELECT rowid FROM {schema.SearchTable} WHERE {schema.SearchTable} MATCH {probe.Param(match)} LIMIT {CountCap + 1})",
            probe.Parameters, ct);
        var index = $"t.id IN (SELECT rowid FROM {schema.SearchTable} WHERE {schema.SearchTable} MATCH {matchParam})";
        return candidates <= SearchDriveLimit
            ? new SearchPlan($"{index} AND {like}", true, candidates, index)
            : new SearchPlan(like, false, candidates, index);
    }

    private sealed record Row(long Id, object? SortValue);

    private async Task<List<Row>> PageAsync(SqlBuilder sql, ListSchema schema, SortSpec sort, string baseWhere, bool driveFromIndex,
        ListCursor? cursor, int take, Connection conn, CancellationToken ct)
    {
        // SQLite: NULLs sort first ascending; PostgreSQL: last. Each run is walked on its own index range.
        var nullsFirst = (db.Provider == DatabaseProvider.Sqlite) == sort.Ascending;
        var runs = !sort.Nullable ? [false] : nullsFirst ? new[] { true, false } : [false, true];
        var startRun = 0;
        if (cursor is not null && sort.Nullable) startRun = Array.IndexOf(runs, cursor.Value is null);
        var rows = new List<Row>();
        var from = driveFromIndex ? $"{schema.Table} AS t NOT INDEXED" : $"{schema.Table} AS t";
        if (db.Provider == DatabaseProvider.Postgres) from = $"{schema.Table} AS t";
        var cmp = sort.Ascending ? ">" : "<";
        var dir = sort.Ascending ? "ASC" : "DESC";
        for (var r = startRun; r < runs.Length && rows.Count < take; r++)
        {
            var nullRun = runs[r];
            var clauses = new List<string> { baseWhere };
            var continuing = cursor is not null && r == startRun;
            string order;
            if (nullRun)
            {
                clauses.Add($"{sort.Expression} IS NULL");
                if (continuing) clauses.Add($"t.id {cmp} {sql.Param(cursor!.LastId)}");
                order = $"t.id {dir}";
            }
            else
            {
                if (sort.Nullable) clauses.Add($"{sort.Expression} IS NOT NULL");
                if (continuing)
                    clauses.Add($"({sort.Expression}, t.id) {cmp} ({sql.Param(cursor!.ToParameter())}, {sql.Param(cursor.LastId)})");
                order = sort.IsId ? $"t.id {dir}" : $"{sort.Expression} {dir}, t.id {dir}";
            }
            var text = $"SELECT t.id, {sort.Expression} FROM {from} WHERE {string.Join(" AND ", clauses)} ORDER BY {order} LIMIT {take - rows.Count}";
            await conn.ReadAsync(text, sql.Parameters, reader => rows.Add(new Row(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetValue(1))), ct);
        }
        return rows;
    }

    private async Task<(long Total, bool Estimate)> CountAsync(SqlBuilder sql, ListSchema schema, string baseWhere, SearchPlan search,
        int pageCount, bool hasMore, Connection conn, CancellationToken ct)
    {
        if (!hasMore) return (pageCount, false);
        var countWhere = baseWhere;
        var from = $"{schema.Table} AS t";
        if (search.IndexClause is not null)
        {
            // Counting a search by scanning LIKE would read the whole table: count from the n-gram index instead,
            // and go straight to the estimate when even the index holds more candidates than the cap.
            if (search.Candidates > CountCap) return await EstimateAsync(sql, schema, baseWhere, conn, ct);
            if (!search.DriveFromIndex) countWhere = $"{search.IndexClause} AND {baseWhere}";
            from = $"{schema.Table} AS t NOT INDEXED";
        }
        var count = await conn.ScalarAsync<long>($"SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE {countWhere} LIMIT {CountCap + 1}) AS capped", sql.Parameters, ct);
        return count <= CountCap ? (count, false) : await EstimateAsync(sql, schema, baseWhere, conn, ct);
    }

    /// <summary>
    /// Above the cap: the share of matches in a few evenly spread id ranges, times the id span. Ids come in creation
    /// order, so this is a fair sample unless matches cluster by age; it is labelled an estimate either way.
    /// </summary>
    private async Task<(long, bool)> EstimateAsync(SqlBuilder sql, ListSchema schema, string baseWhere, Connection conn, CancellationToken ct)
    {
        long min = 0, max = 0;
        await conn.ReadAsync($"SELECT MIN(id), MAX(id) FROM {schema.Table}", [], r =>
        {
            min = r.IsDBNull(0) ? 0 : r.GetInt64(0);
            max = r.IsDBNull(1) ? 0 : r.GetInt64(1);
        }, ct);
        var span = max - min + 1;
        var windows = new List<string>();
        var sampled = 0L;
        var step = Math.Max(span / SampleWindows, 1);
        for (var w = 0; w < SampleWindows; w++)
        {
            var lo = min + w * step;
            var hi = Math.Min(lo + SampleWidth - 1, max);
            if (lo > max) break;
            windows.Add($"t.id BETWEEN {lo.ToString(CultureInfo.InvariantCulture)} AND {hi.ToString(CultureInfo.InvariantCulture)}");
            sampled += hi - lo + 1;
        }
        var hits = await conn.ScalarAsync<long>(
            $"SELECT COUNT(*) FROM {schema.Table} AS t WHERE ({string.Join(" OR ", windows)}) AND {baseWhere}", sql.Parameters, ct);
        var estimate = sampled == 0 ? CountCap + 1 : (long)Math.Round(hits * (double)span / sampled);
        return (Math.Max(estimate, CountCap + 1), true);
    }

    internal static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>The sort of a list: its canonical text (for the cursor), the SQL expression and direction.</summary>
    internal sealed record SortSpec(string Canonical, string Expression, bool Ascending, bool Nullable, bool IsId);

    /// <summary>Keeps the connection open across the few statements of one list call and closes it after.</summary>
    private sealed class Connection(KithDb db) : IAsyncDisposable
    {
        public async Task OpenAsync(CancellationToken ct) => await db.Database.OpenConnectionAsync(ct);

        public async Task<T> ScalarAsync<T>(string sql, IReadOnlyList<(string Name, object? Value)> parameters, CancellationToken ct)
        {
            await using var cmd = Create(sql, parameters);
            var value = await cmd.ExecuteScalarAsync(ct);
            return (T)Convert.ChangeType(value!, typeof(T), CultureInfo.InvariantCulture);
        }

        public async Task ReadAsync(string sql, IReadOnlyList<(string Name, object? Value)> parameters, Action<DbDataReader> row, CancellationToken ct)
        {
            await using var cmd = Create(sql, parameters);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) row(reader);
        }

        private DbCommand Create(string sql, IReadOnlyList<(string Name, object? Value)> parameters)
        {
            var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.CommandText = sql;
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            foreach (var (name, value) in parameters)
            {
                if (!UsesParameter(sql, name)) continue;
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                p.Value = value ?? DBNull.Value;
                cmd.Parameters.Add(p);
            }
            return cmd;
        }

        private static bool UsesParameter(string sql, string name)
        {
            for (var i = sql.IndexOf(name, StringComparison.Ordinal); i >= 0; i = sql.IndexOf(name, i + 1, StringComparison.Ordinal))
                if (i + name.Length >= sql.Length || !char.IsAsciiDigit(sql[i + name.Length])) return true;
            return false;
        }

        public async ValueTask DisposeAsync() => await db.Database.CloseConnectionAsync();
    }
}
