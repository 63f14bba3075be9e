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
/// <item>the total is counted when at most <see cref="CountCap"/> records are expected to match; beyond that it is
/// estimated from id-range samples and labelled so.</item>
/// </list>
/// The SQL is built by hand (not LINQ) because FTS5 MATCH, row-value comparisons and the capped count have no
/// LINQ form; it is only ever assembled from the schema's column names and parameter placeholders.
/// </summary>
public sealed class ListEngine(KithDb db, TimeProvider clock)
{
    /// <summary>
    /// The total is counted exactly when the sample expects at most this many matches (or, for a search on SQLite,
    /// when the n-gram index holds at most this many candidates); above it the total is an estimate. Counting is
    /// what costs: every match is a row read, so the cap keeps a first page within its time budget at a million rows.
    /// </summary>
    public const int CountCap = 1_000;
    /// <summary>The n-gram index is probed up to this many candidates; a search with more is dense.</summary>
    private const int ProbeCap = 10_000;
    /// <summary>The most grams the n-gram index is asked to intersect for a query of several words.</summary>
    private const int MaxGrams = 6;
    /// <summary>On SQLite, with more expected matches than this the page walks the sort index rather than a filter's index.</summary>
    public const int WalkSortIndexAbove = 2_000;
    private const int SampleWindows = 4;
    private const int SampleWidth = 1_500;

    public async Task<ListResult> RunAsync(ListSchema schema, AccessScope scope, ListRequest request, CancellationToken ct)
    {
        if (request.Limit is < 1 or > ListRequest.MaxLimit)
            throw RuleViolation.Field("limit", $"limit must be between 1 and {ListRequest.MaxLimit}.");
        var q = request.Q is { Length: > 200 } ? throw RuleViolation.Field("q", "A search may have at most 200 characters.") : request.Q;
        var sortText = string.IsNullOrWhiteSpace(request.Sort) ? schema.DefaultSort : request.Sort.Trim();
        var sql = await BuilderAsync(schema, scope.UserId, scope.Fields, request.Filter, ct);
        var sort = sql.ParseSort(sortText);
        var filter = FilterParser.Parse(request.Filter);
        var hash = ListCursor.Hash(q?.Trim(), request.Filter?.Trim(), sort.Canonical);
        var cursor = request.Cursor is { Length: > 0 } c ? ListCursor.Decode(c, hash) : null;

        var where = new List<string> { "t.deleted_at IS NULL" };
        if (scope.OwnerIds is { } owners)
            where.Add(owners.Count == 0 ? "1 = 0" : $"t.owner_id IN ({string.Join(", ", owners.Order().Select(o => sql.Param(o)))})");
        if (filter is not null) where.Add(sql.Compile(filter));

        var conn = new Connection(db);
        await using var _ = conn;
        await conn.OpenAsync(ct);

        var conditions = string.Join(" AND ", where);
        // How many records match, roughly, decides the plan on the first page; later pages carry the first page's total.
        // The sample of a search is taken once, by the search plan when it needs it or below.
        Sample? sample = null;
        var search = await SearchAsync(sql, schema, sort, q, request.Limit + 1, cursor?.Total,
            async like => sample ??= await SampleAsync(sql, schema, $"{conditions} AND {like}", conn, ct), conn, ct);
        var pageWhere = search.Page is null ? conditions : $"{conditions} AND {search.Page}";
        var sampleWhere = search.Sample is null ? conditions : $"{conditions} AND {search.Sample}";

        long expected;
        if (cursor is not null) expected = cursor.Total;
        else if (where.Count == 1 && search.Page is null) expected = (await SpanAsync(schema, conn, ct)).Size;
        else
        {
            sample ??= await SampleAsync(sql, schema, sampleWhere, conn, ct);
            expected = sample.Estimate;
        }
        // SQLite has no statistics to weigh a filter's index against the sort's: when many records match, walking the
        // sort index finds a page after a few rows, while the filter's index would fetch and sort every match.
        var walkSortIndex = db.Provider == DatabaseProvider.Sqlite && !search.DriveFromIndex && (search.Page is not null || expected > WalkSortIndexAbove);
        // PostgreSQL guesses a GIN match is rare and would fetch and sort every match of a common gram; when many
        // records are expected to match, leave the grams out and let it walk the sort index checking LIKE.
        if (db.Provider == DatabaseProvider.Postgres && search.Page != search.Sample && expected > WalkSortIndexAbove) pageWhere = sampleWhere;

        // Few expected: on SQLite, a rare value of an indexed field drives the page (ADR-0057). SQLite's statistics weigh a
        // field by its average value ("stage": one value for a million records until lately) and the sample cannot tell
        // a rare value from none, so it would walk the sort index, reading every record, to find that nothing matches.
        var driver = db.Provider == DatabaseProvider.Sqlite && search.Page is null && !walkSortIndex
            ? await RarestAsync(sql, conn, ct)
            : null;
        if (driver is not null) pageWhere = $"{pageWhere} AND {driver.Sql}";
        var rows = await PageAsync(sql, schema, sort, pageWhere, search.DriveFromIndex, walkSortIndex, cursor, request.Limit + 1, conn, ct, driver);
        var hasMore = rows.Count > request.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);

        long total;
        bool estimate;
        if (cursor is not null) (total, estimate) = (cursor.Total, cursor.Estimate);
        else if (!hasMore) (total, estimate) = (rows.Count, false);
        else if (sample is { Complete: true }) (total, estimate) = (sample.Hits, false);
        // With a rare term's index driving, counting reads at most its few thousand records: the total is counted.
        else if (driver is null && (search.Candidates > CountCap || ((db.Provider != DatabaseProvider.Sqlite || search.Count is null) && expected > CountCap)))
            (total, estimate) = (Estimate(expected, rows.Count, search), true);
        else
        {
            var countWhere = search.Count is null ? conditions : $"{conditions} AND {search.Count}";
            var from = search.Count is not null && db.Provider == DatabaseProvider.Sqlite ? $"{schema.Table} AS t NOT INDEXED" : schema.From(db.Provider);
            if (driver is not null) (countWhere, from) = ($"{countWhere} AND {driver.Sql}", $"{schema.Table} AS t {driver.Hint}");
            var count = await conn.ScalarAsync<long>($"SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE {countWhere} LIMIT {CountCap + 1}) AS capped", sql.Parameters, ct);
            (total, estimate) = count <= CountCap ? (count, false) : (Math.Max(Estimate(expected, rows.Count, search), CountCap + 1), true);
        }

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
    /// The SQL builder for one caller: the custom fields and built-in fields they may see (<see cref="FieldAccess"/>),
    /// so a hidden field is unknown to the filter, the sort and the search, and what cannot be named cannot be counted.
    /// </summary>
    private async Task<SqlBuilder> BuilderAsync(ListSchema schema, long userId, FieldAccess fields, string? filter, CancellationToken ct)
    {
        var definitions = await db.CustomFields.AsNoTracking().Where(f => f.Entity == schema.CustomFieldEntity).ToListAsync(ct);
        var segments = schema.Behavior && filter?.Contains("segment", StringComparison.OrdinalIgnoreCase) == true
            ? await db.Segments.AsNoTracking().ToDictionaryAsync(s => s.Key, s => s.Filter, ct)
            : new Dictionary<string, string>();
        var sensitive = schema.Table == SensitiveFields.SealableFields.Table ? await SensitiveFields.SensitiveSet.LoadAsync(db, ct) : SensitiveFields.SensitiveSet.None;
        return new SqlBuilder(db.Provider, schema, fields.Visible(definitions), userId)
        {
            Now = clock.GetUtcNow().UtcDateTime, Segments = segments, Fields = fields,
            Sensitive = sensitive, Cipher = sensitive.IsEmpty ? null : SensitiveFields.CustomerSealing.Of(db)?.Cipher,
        };
    }

    /// <summary>Checks that a filter compiles for the caller (fields they see, operators, values, segments) without running it.</summary>
    public Task ValidateAsync(ListSchema schema, AccessScope scope, string filter, CancellationToken ct) =>
        ValidateAsync(schema, scope.UserId, scope.Fields, filter, ct);

    /// <summary>Whether a filter works for a user seeing <paramref name="fields"/>; throws <see cref="RuleViolation"/> saying why not.</summary>
    public async Task ValidateAsync(ListSchema schema, long userId, FieldAccess fields, string filter, CancellationToken ct)
    {
        var sql = await BuilderAsync(schema, userId, fields, filter, ct);
        if (FilterParser.Parse(filter) is { } node) sql.Compile(node);
    }

    /// <summary>
    /// How many records in reach match a filter, for a count that follows the user's typing: exact when the sample
    /// covered the table or finds few matches (then the whole table is counted), otherwise the sample's estimate.
    /// </summary>
    public async Task<(long Count, bool Estimate)> CountAsync(ListSchema schema, AccessScope scope, string? filter, CancellationToken ct)
    {
        var sql = await BuilderAsync(schema, scope.UserId, scope.Fields, filter, ct);
        var where = new List<string> { "t.deleted_at IS NULL" };
        if (scope.OwnerIds is { } owners)
            where.Add(owners.Count == 0 ? "1 = 0" : $"t.owner_id IN ({string.Join(", ", owners.Order().Select(o => sql.Param(o)))})");
        if (FilterParser.Parse(filter) is { } node) where.Add(sql.Compile(node));
        var conditions = string.Join(" AND ", where);
        var conn = new Connection(db);
        await using var _ = conn;
        await conn.OpenAsync(ct);
        var sample = await SampleAsync(sql, schema, conditions, conn, ct);
        // Below about 100 sampled matches the estimate's error passes 10%; count every row instead.
        if (sample.Complete || sample.Hits >= 100) return (sample.Estimate, !sample.Complete);
        var count = await conn.ScalarAsync<long>($"SELECT COUNT(*) FROM {schema.From(db.Provider)} WHERE {conditions}", sql.Parameters, ct);
        return (count, false);
    }

    /// <summary>
    /// Every live record that matches a filter, whoever owns it, in id order: for work done on behalf of Kith itself
    /// (segment membership), never for a user's list.
    /// </summary>
    public async Task<List<long>> AllIdsAsync(ListSchema schema, long userId, string filter, CancellationToken ct)
    {
        var sql = await BuilderAsync(schema, userId, FieldAccess.Open, filter, ct);
        var where = "t.deleted_at IS NULL";
        if (FilterParser.Parse(filter) is { } node) where += " AND " + sql.Compile(node);
        var conn = new Connection(db);
        await using var _ = conn;
        await conn.OpenAsync(ct);
        var ids = new List<long>();
        await conn.ReadAsync($"SELECT t.id FROM {schema.From(db.Provider)} WHERE {where} ORDER BY t.id", sql.Parameters, r => ids.Add(r.GetInt64(0)), ct);
        return ids;
    }

    /// <summary>
    /// Of the filter's <see cref="SqlBuilder.IndexedTerms"/>, the one whose index holds fewest entries, if at most
    /// <see cref="WalkSortIndexAbove"/>: each is counted on its index up to that cap (a few thousand index entries at most).
    /// </summary>
    private static async Task<IndexedTerm?> RarestAsync(SqlBuilder sql, Connection conn, CancellationToken ct)
    {
        IndexedTerm? rarest = null;
        long fewest = WalkSortIndexAbove + 1;
        foreach (var term in sql.IndexedTerms)
        {
            var n = await conn.ScalarAsync<long>($"SELECT COUNT(*) FROM ({term.Rows} LIMIT {fewest}) AS capped", sql.Parameters, ct);
            if (n < fewest) (rarest, fewest) = (term, n);
        }
        return rarest;
    }

    /// <summary>At least the rows already seen plus one (there is a next page); for a search, at most its n-gram candidates.</summary>
    private static long Estimate(long expected, int seen, SearchPlan search)
    {
        var value = Math.Max(expected, seen + 1L);
        if (search.Candidates is > 0 and <= ProbeCap) value = Math.Min(value, Math.Max(search.Candidates, seen + 1L));
        return value;
    }

    /// <summary>
    /// How a search runs. <see cref="Page"/> goes into the page query, <see cref="Sample"/> into the sample (the LIKE
    /// alone: the sample reads id ranges) and <see cref="Count"/> into the exact count. On SQLite
    /// <see cref="Candidates"/> is how many records hold every gram (capped), which picks the plan.
    /// </summary>
    private sealed record SearchPlan(string? Page, string? Sample, string? Count, bool DriveFromIndex, long Candidates = 0);

    /// <param name="take">The rows the page query asks for.</param>
    /// <param name="known">The total carried by the cursor on later pages; null on the first page.</param>
    /// <param name="sampleLike">Samples the records in reach matching the LIKE alone (taken once per request).</param>
    private async Task<SearchPlan> SearchAsync(SqlBuilder sql, ListSchema schema, SortSpec sort, string? q, int take, long? known,
        Func<string, Task<Sample>> sampleLike, Connection conn, CancellationToken ct)
    {
        var normalized = SearchGrams.NormalizeQuery(q);
        if (normalized.Length == 0) return new SearchPlan(null, null, null, false);
        var pattern = sql.Param("%" + EscapeLike(normalized) + "%");
        var like = $"t.search_text LIKE {pattern} ESCAPE '\\'";
        // On SQLite the default sort's index holds the owner and the search text: walking it checks a record without
        // reading its row, about ten times faster than a row read.
        var covered = db.Provider == DatabaseProvider.Sqlite && sort.Index == schema.SearchCoveringIndex;
        // The search text holds every searchable field, hidden ones too: for a user with a hidden one, a match must
        // also be found in a field they see, so searching for a hidden phone number finds nothing.
        if (schema.SearchColumns.Any(c => sql.Fields.IsHidden(schema.CustomFieldEntity, c.Field)))
        {
            covered = false;
            var visible = schema.SearchColumns.Where(c => !sql.Fields.IsHidden(schema.CustomFieldEntity, c.Field))
                .Select(c => $"lower({c.Expression}) LIKE {pattern} ESCAPE '\\'");
            like = $"({like} AND ({string.Join(" OR ", visible.DefaultIfEmpty("1 = 0"))}))";
        }
        var tokens = SearchGrams.QueryTokens(normalized);
        // One ASCII character has no grams: it is answered by walking the sort index (nearly every record matches,
        // so a page fills at once) and its total is always an estimate, as counting would read the whole table.
        if (tokens.Count == 0) return new SearchPlan(like, like, like, false, ProbeCap + 1);
        tokens = Selective(tokens);
        if (db.Provider == DatabaseProvider.Postgres)
        {
            var grams = $"string_to_array(t.search_grams, ' ') @> {sql.Param(tokens.ToArray())} AND {like}";
            return new SearchPlan(grams, like, grams, false);
        }
        // A dense search (over CountCap matches in reach, so its total is an estimate anyway) fills a page after a few
        // hundred entries of the covering index, at about 0.1 µs each: cheaper than asking the n-gram index, whose
        // common grams hold a large share of all records ("13", "robert k").
        if (covered && (known ?? (await sampleLike(like)).Estimate) > CountCap)
            return new SearchPlan(like, like, like, false, ProbeCap + 1);

        var match = string.Join(" AND ", tokens);
        // One look at the index decides the plan: the records holding every gram (up to a cap). When they fit under
        // the cap their ids are passed on as a parameter, so the index is read once per request, not once per statement.
        var probe = new SqlBuilder(db.Provider, schema, [], 0);
        var ids = new List<long>();
        await conn.ReadAsync(
            $"SELECT rowid FROM {schema.SearchTable} WHERE {schema.SearchTable} MATCH {probe.Param(match)} LIMIT {ProbeCap + 1}",
            probe.Parameters, r => ids.Add(r.GetInt64(0)), ct);
        var candidates = ids.Count;
        // Common grams, few matches: the covering index is walked to the end at worst (1,000,000 entries in about
        // 0.1 s), which beats building the set of every record holding the grams and still walking the sort index.
        if (candidates > ProbeCap && covered) return new SearchPlan(like, like, like, false, candidates);
        var index = candidates <= ProbeCap
            ? $"t.id IN (SELECT value FROM json_each({sql.Param("[" + string.Join(",", ids) + "]")})) AND {like}"
            : $"t.id IN (SELECT rowid FROM {schema.SearchTable} WHERE {schema.SearchTable} MATCH {sql.Param(match)}) AND {like}";
        // Two plans: read every candidate row and sort them (cost grows with the candidates), or walk the sort index
        // checking each id against the candidate set, reading only rows that are in it (cost grows with table size
        // over candidates). They cost about the same near sqrt(5 × rows): worked out from timings on 100k customers.
        var span = (await SpanAsync(schema, conn, ct)).Size;
        bool drive;
        if (covered)
        {
            // On the covering index a walk costs about a twentieth of a candidate's row read per entry (0.1–0.14 µs
            // against 1.8–2.5 µs at a million customers, ADR-0026), and it needs about take × span / matches entries
            // to fill a page; the matches in reach come from the sample (or the cursor).
            var matches = known ?? (await sampleLike(like)).Estimate;
            drive = candidates * 20.0 <= (double)take * span / Math.Max(matches, 1);
        }
        else drive = candidates <= Math.Clamp((long)Math.Sqrt(5.0 * span), 200, 4_000) || !sort.HasIndex;
        return new SearchPlan(index, like, index, drive, candidates);
    }

    /// <summary>
    /// The few grams of a query that narrow it most. Every gram of a long query would make the index intersect a
    /// dozen long lists ("a ", "er", "an" are in most Latin names); LIKE confirms the whole query anyway, so three
    /// rare grams find nearly the same candidates for a fraction of the work. Rarity is guessed from the characters:
    /// three digits in a row, the join of two words and Chinese characters are rare, then Latin letters by their
    /// frequency in English, and spaces and punctuation are almost everywhere.
    /// <para>
    /// A query of several words keeps every word join and the rarest gram of each word: the join is what tells
    /// "patricia m" (1,800 matches in a million) from "patricia" (28,000), and grams from both sides keep a common
    /// join narrow ("linda garc": 8,600 candidates from "a g", "ga" and "rc", 1,750 from "li", "a g" and "rc").
    /// </para>
    /// </summary>
    internal static IReadOnlyList<string> Selective(IReadOnlyList<string> tokens, int keep = 3)
    {
        if (tokens.Count <= keep) return tokens;
        var scored = tokens.Select((t, i) => (t, i, Score: Score(t))).ToList();
        var picked = new List<(string t, int i, double Score)>();
        if (tokens.Any(t => t[0] == 'w'))
        {
            var word = new List<(string t, int i, double Score)>();
            foreach (var x in scored)
            {
                if (x.t[0] == 'w') picked.Add(x);
                else if (x.t[0] == 'b' && (x.t[1..5] == "0020" || x.t[5..9] == "0020")) Flush();
                else word.Add(x);
            }
            Flush();
            picked = picked.OrderBy(x => x.Score).ThenBy(x => x.i).Take(MaxGrams).ToList();

            void Flush()
            {
                if (word.Count > 0) picked.Add(word.MinBy(x => x.Score));
                word.Clear();
            }
        }
        picked.AddRange(scored.Except(picked).OrderBy(x => x.Score).ThenBy(x => x.i).Take(keep - picked.Count));
        return picked.OrderBy(x => x.i).Select(x => x.t).ToList();

        static double Score(string token) => token[0] switch
        {
            't' => 0.3,
            'w' => 0.9,
            'u' => 3.0,
            _ => Char(Convert.ToInt32(token[1..5], 16)) + Char(Convert.ToInt32(token[5..9], 16)),
        };

        static double Char(int c) => c switch
        {
            > 127 => 0.5,
            >= '0' and <= '9' => 3.0,
            >= 'a' and <= 'z' => LetterFrequency["etaoinshrdlcumwfgypbvkjxqz".IndexOf((char)c)],
            _ => 20.0,
        };
    }

    private static readonly double[] LetterFrequency =
        [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07];

    private sealed record Row(long Id, object? SortValue);

    private async Task<List<Row>> PageAsync(SqlBuilder sql, ListSchema schema, SortSpec sort, string baseWhere, bool driveFromIndex,
        bool walkSortIndex, ListCursor? cursor, int take, Connection conn, CancellationToken ct, IndexedTerm? driver = null)
    {
        // SQLite: NULLs sort first ascending; PostgreSQL: last. Each run is walked on its own index range. A key of
        // another table puts the records without a value last either way: they are found by their absence, a walk of
        // the records that only the last pages need.
        var nullsFirst = sort.Joined is null && (db.Provider == DatabaseProvider.Sqlite) == sort.Ascending;
        var runs = !sort.Nullable ? [false] : nullsFirst ? new[] { true, false } : [false, true];
        var startRun = 0;
        if (cursor is not null && sort.Nullable) startRun = Array.IndexOf(runs, cursor.Value is null);
        var rows = new List<Row>();
        var cmp = sort.Ascending ? ">" : "<";
        var dir = sort.Ascending ? "ASC" : "DESC";
        for (var r = startRun; r < runs.Length && rows.Count < take; r++)
        {
            var nullRun = runs[r];
            var clauses = new List<string> { baseWhere };
            var continuing = cursor is not null && r == startRun;
            var value = sort.Expression;
            string order;
            if (nullRun && sort.Joined is { } joined)
            {
                // Without the join: the records the key's table holds no value for, in id order.
                value = "NULL";
                clauses.Add(joined.Absent);
                if (continuing) clauses.Add($"t.id {cmp} {sql.Param(cursor!.LastId)}");
                order = $"t.id {dir}";
            }
            else if (nullRun)
            {
                clauses.Add($"{sort.Expression} IS NULL");
                // A summary column: every record has a summary row, and saying so makes the join an inner one that the
                // index of the column can drive (the NULLs are a range of it).
                if (sort.Id != "t.id") clauses.Add($"{sort.Id} IS NOT NULL");
                if (continuing) clauses.Add($"{sort.Id} {cmp} {sql.Param(cursor!.LastId)}");
                order = $"{sort.Id} {dir}";
            }
            else
            {
                if (sort.Nullable) clauses.Add($"{sort.Expression} IS NOT NULL");
                if (continuing)
                    clauses.Add(sort.IsId
                        ? $"t.id {cmp} {sql.Param(cursor!.LastId)}"
                        : $"({sort.Expression}, {sort.Id}) {cmp} ({sql.Param(cursor!.ToParameter())}, {sql.Param(cursor.LastId)})");
                order = sort.IsId ? $"t.id {dir}" : $"{sort.Expression} {dir}, {sort.Id} {dir}";
            }
            var from = PageFrom(schema, sort, nullRun, driveFromIndex, walkSortIndex, clauses, driver);
            var text = $"SELECT t.id, {value} FROM {from} WHERE {string.Join(" AND ", clauses)} ORDER BY {order} LIMIT {take - rows.Count}";
            await conn.ReadAsync(text, sql.Parameters, reader => rows.Add(new Row(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetValue(1))), ct);
        }
        return rows;
    }

    /// <summary>
    /// The FROM of one run of a page, with SQLite's hints. A key of another table is joined for the run of values only:
    /// on SQLite with CROSS JOIN, which fixes the order of the loops, so that the key's index drives when the sort index
    /// is walked (many matches) and the records' own filter index drives when few match.
    /// </summary>
    private string PageFrom(ListSchema schema, SortSpec sort, bool nullRun, bool driveFromIndex, bool walkSortIndex, List<string> clauses, IndexedTerm? driver)
    {
        var from = schema.From(db.Provider);
        // A rare term's index drives (SQLite only; the engine never walks the sort index then).
        if (driver is not null) from = $"{schema.Table} AS t {driver.Hint}";
        var joined = nullRun ? null : sort.Joined;
        if (db.Provider != DatabaseProvider.Sqlite)
            return joined is null ? from : $"{from} JOIN {joined.Table} AS {JoinedSortKey.Alias} ON {sort.Id} = t.id";
        if (joined is not null)
        {
            if (!driveFromIndex && walkSortIndex)
            {
                // Unary +: with a plain equality SQLite carries a condition on t.id (a search's candidate ids) over to the
                // key's column and looks each candidate up in the score index, then sorts them all (3 s for "wang" at 1M).
                clauses.Add($"t.id = +{sort.Id}");
                return $"{joined.Table} AS {JoinedSortKey.Alias} INDEXED BY {joined.Index} CROSS JOIN {from}";
            }
            clauses.Add($"{sort.Id} = t.id");
            return $"{from}{(driveFromIndex ? " NOT INDEXED" : "")} CROSS JOIN {joined.Table} AS {JoinedSortKey.Alias}";
        }
        if (driveFromIndex) return from + " NOT INDEXED";
        // The run of records without a joined key's value walks the records in id order.
        if (walkSortIndex && (sort.IsId || sort.Joined is not null)) return from + " NOT INDEXED";
        if (walkSortIndex && sort.Index is { } index) return from + " INDEXED BY " + index;
        return from;
    }

    private sealed record Span(long Min, long Max)
    {
        public long Size => Max < Min ? 0 : Max - Min + 1;
    }

    private static async Task<Span> SpanAsync(ListSchema schema, Connection conn, CancellationToken ct)
    {
        var span = new Span(0, -1);
        await conn.ReadAsync($"SELECT (SELECT MIN(id) FROM {schema.Table}), (SELECT MAX(id) FROM {schema.Table})", [], r =>
            span = r.IsDBNull(0) ? new Span(0, -1) : new Span(r.GetInt64(0), r.GetInt64(1)), ct);
        return span;
    }

    /// <summary>Matches in the sampled id ranges, the estimate they give for the whole table, and whether the sample was the whole table.</summary>
    private sealed record Sample(long Hits, long Estimate, bool Complete);

    /// <summary>
    /// Counts matches in a few evenly spread id ranges (<see cref="SampleWindows"/> × <see cref="SampleWidth"/> ids, read by
    /// primary key, so the cost does not grow with the table) and scales by the id span. Ids come in creation order, so
    /// this is fair unless matches cluster by age; a total from it is always labelled an estimate.
    /// </summary>
    private async Task<Sample> SampleAsync(SqlBuilder sql, ListSchema schema, string where, Connection conn, CancellationToken ct)
    {
        var span = await SpanAsync(schema, conn, ct);
        if (span.Size == 0) return new Sample(0, 0, true);
        var ranges = new List<(long Lo, long Hi)>();
        if (span.Size <= SampleWindows * SampleWidth) ranges.Add((span.Min, span.Max));
        else
        {
            var step = span.Size / SampleWindows;
            for (var w = 0; w < SampleWindows; w++)
            {
                var lo = span.Min + w * step;
                ranges.Add((lo, lo + SampleWidth - 1));
            }
        }
        // NOT INDEXED keeps SQLite on the primary key ranges instead of a filter index that would read far more rows.
        // One statement over all the ranges, not one per range: a subquery of the filter that is built once (the
        // customers with a window's events) is then built once, not once per range (ADR-0036).
        var from = db.Provider == DatabaseProvider.Sqlite ? $"{schema.Table} AS t NOT INDEXED" : schema.From(db.Provider);
        var inRanges = string.Join(" OR ", ranges.Select(r =>
            $"t.id BETWEEN {r.Lo.ToString(CultureInfo.InvariantCulture)} AND {r.Hi.ToString(CultureInfo.InvariantCulture)}"));
        // A condition on the summary table (PostgreSQL) reads its index by the same ranges of ids, as one on customers
        // does with the (column, id) index: the planner does not carry ranges of t.id over to b.id by itself.
        if (db.Provider == DatabaseProvider.Postgres && schema.SummaryTable is not null && where.Contains("b.behavior_", StringComparison.Ordinal))
            inRanges = $"({inRanges}) AND ({inRanges.Replace("t.id BETWEEN", "b.id BETWEEN", StringComparison.Ordinal)})";
        var hits = await conn.ScalarAsync<long>($"SELECT COUNT(*) FROM {from} WHERE ({inRanges}) AND {where}", sql.Parameters, ct);
        var sampled = ranges.Sum(r => r.Hi - r.Lo + 1);
        var complete = ranges.Count == 1 && ranges[0] == (span.Min, span.Max);
        return new Sample(hits, complete ? hits : (long)Math.Round(hits * (double)span.Size / sampled), complete);
    }

    internal static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>The sort of a list: its canonical text (for the cursor), the SQL expression and direction.</summary>
    internal sealed record SortSpec(string Canonical, string Expression, bool Ascending, bool Nullable, bool IsId, string? Index = null)
    {
        /// <summary>The id that breaks ties, as the sort's index holds it.</summary>
        public string Id { get; init; } = "t.id";

        /// <summary>A key of another table, joined for the run of values (<see cref="ListSchema.JoinedSorts"/>).</summary>
        public JoinedSortKey? Joined { get; init; }

        public bool HasIndex => IsId || Index is not null;
    }

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
