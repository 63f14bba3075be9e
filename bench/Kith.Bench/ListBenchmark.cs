using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Bench;

/// <summary>One measured operation: its latencies in milliseconds and the same for the naive SQL of the same question.</summary>
internal sealed record Measurement(string Provider, string Caller, string Operation, double[] Kith, double[] Naive)
{
    public double KithP50 => Percentile(Kith, 0.50);
    public double KithP95 => Percentile(Kith, 0.95);
    public double NaiveP50 => Percentile(Naive, 0.50);
    public double NaiveP95 => Percentile(Naive, 0.95);

    public static double Percentile(double[] values, double p)
    {
        if (values.Length == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}

/// <summary>
/// Times the customer list as the server runs it: every call gets a new DI scope (a new DbContext, as a request
/// does), loads the caller's <see cref="AccessScope"/> and goes through <see cref="CustomerQueries"/>. Each question
/// is also asked as naive SQL on the same connection string (a LIKE '%q%' scan with a COUNT(*), OFFSET paging, a
/// plain SELECT by id) so the figures carry their own baseline from the same machine in the same minute.
/// </summary>
internal sealed class ListBenchmark(DatabaseOptions options, double scale, TextWriter log, bool searchOnly = false)
{
    public const string Filter = "stage eq customer and city eq \"Shanghai\"";
    public const string DeepFilter = "stage eq customer";
    public const string Sort = "-signupDate";
    public const int PageSize = 50;
    public const int DeepPage = 1000;

    private ServiceProvider _services = null!;
    private string Provider => options.Provider == DatabaseProvider.Sqlite ? "SQLite" : "PostgreSQL";
    private int N(int n) => Math.Max(5, (int)(n * scale));
    /// <summary>Slow operations stop early: at most this long per measured series, but never fewer than 10 samples.</summary>
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(60);

    private static async Task<double[]> TimeAsync(IReadOnlyList<Func<Task>> calls)
    {
        var samples = new List<double>();
        var spent = Stopwatch.StartNew();
        foreach (var call in calls)
        {
            if (samples.Count >= 10 && spent.Elapsed > s_budget) break;
            var t = Stopwatch.GetTimestamp();
            await call();
            samples.Add(Ms(Stopwatch.GetTimestamp() - t));
        }
        return [.. samples];
    }

    private static IReadOnlyList<Func<Task>> Repeat(int n, Func<Task> call) => Enumerable.Repeat(call, n).ToList();

    public async Task<List<Measurement>> RunAsync(CancellationToken ct)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddKithDatabase(options);
        services.AddKithCore();
        _services = services.BuildServiceProvider();
        try
        {
            var results = new List<Measurement>();
            long adminId, agentId;
            await using (var scope = _services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<KithDb>();
                adminId = await db.Users.Where(u => u.Email == BenchUsers.AdminEmail).Select(u => u.Id).SingleAsync(ct);
                agentId = await db.Users.Where(u => u.Email == BenchUsers.AgentEmail).Select(u => u.Id).SingleAsync(ct);
                var count = await db.Customers.CountAsync(ct);
                log.WriteLine($"{Provider}: {count:N0} customers");
            }
            var words = await TypingSequencesAsync(ct);
            foreach (var (caller, userId) in new[] { ("admin", adminId), ("agent", agentId) })
            {
                AccessScope access;
                await using (var scope = _services.CreateAsyncScope())
                    access = (await AccessScope.ForUserAsync(scope.ServiceProvider.GetRequiredService<KithDb>(), userId, ct))!;
                var owners = access.OwnerIds?.Order().ToArray();
                log.WriteLine($"  as {caller} ({(owners is null ? "every owner" : owners.Length + " owners")})");
                results.Add(await SearchAsTypedAsync(caller, userId, owners, words, ct));
                if (searchOnly) continue;
                results.Add(await FirstPageAsync(caller, userId, owners, Filter, "first page, filter + sort", ct));
                var (first, deep) = await DeepPageAsync(caller, userId, owners, ct);
                results.Add(first);
                results.Add(deep);
                results.Add(await GetByIdAsync(caller, userId, owners, ct));
            }
            return results;
        }
        finally
        {
            await _services.DisposeAsync();
        }
    }

    private async Task<T> AsCallerAsync<T>(long userId, Func<CustomerQueries, AccessScope, Task<T>> call, CancellationToken ct)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KithDb>();
        var access = await AccessScope.ForUserAsync(db, userId, ct) ?? throw new InvalidOperationException("The bench user is missing.");
        return await call(scope.ServiceProvider.GetRequiredService<CustomerQueries>(), access);
    }

    private static double CpuMs()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalMilliseconds;
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>What people type: real names from the data, Chinese and Latin, and fragments of real phone numbers, one character more each time.</summary>
    private async Task<List<(string Kind, string[] Prefixes)>> TypingSequencesAsync(CancellationToken ct)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KithDb>();
        var max = await db.Customers.MaxAsync(c => c.Id, ct);
        var picks = Enumerable.Range(1, 400).Select(i => (long)(CustomerCsv.Mix(i * 7919L) % (ulong)max) + 1).ToArray();
        var rows = await db.Customers.AsNoTracking().Where(c => picks.Contains(c.Id)).Select(c => new { c.Id, c.Name, c.Phone }).ToListAsync(ct);
        var cjk = rows.Where(r => r.Name.Any(ch => ch > 127)).Select(r => r.Name).Distinct().Take(8).ToList();
        var latin = rows.Where(r => r.Name.All(ch => ch < 128)).Select(r => r.Name.ToLowerInvariant()).Distinct().Take(8).ToList();
        // A fragment from the middle of the number, as someone reads digits off a note: "8765432" of +8613876543210.
        var phones = rows.Where(r => r.Phone is { Length: > 9 }).Select(r => r.Phone!.TrimStart('+')[3..10]).Distinct().Take(8).ToList();
        var list = new List<(string, string[])>();
        list.AddRange(cjk.Select(w => ("chinese name", Prefixes(w))));
        list.AddRange(latin.Select(w => ("latin name", Prefixes(w))));
        list.AddRange(phones.Select(w => ("phone digits", Prefixes(w))));
        log.WriteLine($"  typing: {string.Join(", ", cjk.Take(3).Concat(latin.Take(3)).Concat(phones.Take(3)))}, …");
        return list;

        static string[] Prefixes(string w) => Enumerable.Range(1, w.Length).Select(n => w[..n]).Where(p => !p.EndsWith(' ')).ToArray();
    }

    private async Task<Measurement> SearchAsTypedAsync(string caller, long userId, long[]? owners, List<(string Kind, string[] Prefixes)> words, CancellationToken ct)
    {
        var keystrokes = words.SelectMany(w => w.Prefixes).ToArray();
        // warm-up: one pass, untimed
        foreach (var q in keystrokes) await AsCallerAsync(userId, (qs, a) => qs.ListAsync(a, new ListRequest(q, null, null, PageSize), ct), ct);
        var rounds = Enumerable.Range(0, N(5)).SelectMany(_ => keystrokes).ToArray();
        // The CPU time of each keystroke too: on a machine busy with other work the wall time also holds the wait for
        // a core, while the CPU time stays close to what a quiet machine would take.
        var cpu = new List<(double Ms, string Q)>();
        var kith = await TimeAsync(rounds.Select(q => (Func<Task>)(async () =>
        {
            var before = CpuMs();
            await AsCallerAsync(userId, (qs, a) => qs.ListAsync(a, new ListRequest(q, null, null, PageSize), ct), ct);
            cpu.Add((CpuMs() - before, q));
        })).ToList());
        var cpuMs = cpu.Select(c => c.Ms).ToArray();
        var heaviest = cpu.GroupBy(c => c.Q).Select(g => (Q: g.Key, Ms: g.Average(c => c.Ms))).OrderByDescending(x => x.Ms).Take(8);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    search as you type, CPU time: p50 {Measurement.Percentile(cpuMs, 0.5):F1} ms, p95 {Measurement.Percentile(cpuMs, 0.95):F1} ms; " +
            $"heaviest: {string.Join(", ", heaviest.Select(x => $"'{x.Q}' {x.Ms:F0} ms"))}"));
        var worst = kith.Select((ms, i) => (ms, q: rounds[i])).OrderByDescending(x => x.ms).Take(5).Select(x => $"'{x.q}' {x.ms:F0} ms");
        log.WriteLine($"    search as you type: {kith.Length} keystrokes timed; slowest: {string.Join(", ", worst)}");
        var kinds = words.SelectMany(w => w.Prefixes.Select(p => (p, w.Kind))).DistinctBy(x => x.p).ToDictionary(x => x.p, x => x.Kind);
        foreach (var g in kith.Select((ms, i) => (ms, kind: kinds[rounds[i]])).GroupBy(x => x.kind))
        {
            var v = g.Select(x => x.ms).ToArray();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"      {g.Key}: p50 {Measurement.Percentile(v, 0.5):F1} ms, p95 {Measurement.Percentile(v, 0.95):F1} ms ({v.Length} keystrokes)"));
        }
        // Naive: every keystroke scans the table with LIKE and counts the matches, as a list with a total must.
        var sample = keystrokes.Where((_, i) => i % Math.Max(1, keystrokes.Length / N(24)) == 0).ToArray();
        var where = $"deleted_at IS NULL{OwnerClause(owners)} AND search_text LIKE @q ESCAPE '\\'";
        string[] sql =
        [
            $"SELECT id, name, email, phone, city, stage FROM customers WHERE {where} ORDER BY updated_at DESC, id DESC LIMIT {PageSize}",
            $"SELECT COUNT(*) FROM customers WHERE {where}",
        ];
        var naive = await TimeAsync(sample.Select(q => (Func<Task>)(() =>
            NaiveAsync(sql, ("@q", "%" + Kith.Core.Search.SearchGrams.NormalizeQuery(q).Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%"), ct))).ToList());
        return new Measurement(Provider, caller, "search as you type", kith, naive);
    }

    private async Task<Measurement> FirstPageAsync(string caller, long userId, long[]? owners, string filter, string label, CancellationToken ct)
    {
        var request = new ListRequest(null, filter, Sort, PageSize);
        for (var i = 0; i < 5; i++) await AsCallerAsync(userId, (qs, a) => qs.ListAsync(a, request, ct), ct);
        var kith = await TimeAsync(Repeat(N(100), () => AsCallerAsync(userId, (qs, a) => qs.ListAsync(a, request, ct), ct)));
        var where = $"deleted_at IS NULL{OwnerClause(owners)} AND {NaiveFilter(filter)}";
        string[] sql =
        [
            $"SELECT id, name, email, phone, city, stage FROM customers WHERE {where} ORDER BY signup_date DESC, id DESC LIMIT {PageSize}",
            $"SELECT COUNT(*) FROM customers WHERE {where}",
        ];
        var naive = await TimeAsync(Repeat(N(20), () => NaiveAsync(sql, null, ct)));
        return new Measurement(Provider, caller, label, kith, naive);
    }

    /// <summary>Page 1 and page 1,000 of one list; page 1,000 is reached by following 999 cursors, then fetched again and again.</summary>
    private async Task<(Measurement First, Measurement Deep)> DeepPageAsync(string caller, long userId, long[]? owners, CancellationToken ct)
    {
        var first = await FirstPageAsync(caller, userId, owners, DeepFilter, "page 1 of the deep list", ct);
        // Page 1,000 starts after row 49,950. The walk takes pages of 1,000 while it can and pages of 50 after: a keyset
        // cursor is only the last row's sort key and id, so the cursor reached is the one 999 pages of 50 would give.
        string? cursor = null;
        var rowsBefore = (DeepPage - 1) * PageSize;
        var walked = 0;
        var fetches = 0;
        var walk = Stopwatch.StartNew();
        while (walked < rowsBefore)
        {
            var c = cursor;
            var size = rowsBefore - walked >= ListRequest.MaxLimit ? ListRequest.MaxLimit : PageSize;
            var result = await AsCallerAsync(userId, (qs, a) => qs.ListAsync(a, new ListRequest(null, DeepFilter, Sort, size, c), ct), ct);
            walked += result.Items.Count;
            fetches++;
            cursor = result.NextCursor ?? throw new InvalidOperationException($"The list '{DeepFilter}' has only {walked} rows for the {caller}.");
        }
        log.WriteLine($"    reached page {DeepPage:N0} in {fetches} fetches, {walk.Elapsed.TotalSeconds:F1} s");
        var deep = new ListRequest(null, DeepFilter, Sort, PageSize, cursor);
        for (var i = 0; i < 3; i++) await AsCallerAsync(userId, (qs, a) => qs.ListAsync(a, deep, ct), ct);
        var kith = await TimeAsync(Repeat(N(100), async () =>
        {
            var page = await AsCallerAsync(userId, (qs, a) => qs.ListAsync(a, deep, ct), ct);
            if (page.Items.Count != PageSize) throw new InvalidOperationException("Page 1,000 is not full.");
        }));
        var where = $"deleted_at IS NULL{OwnerClause(owners)} AND {NaiveFilter(DeepFilter)}";
        string[] sql = [$"SELECT id, name, email, phone, city, stage FROM customers WHERE {where} ORDER BY signup_date DESC, id DESC LIMIT {PageSize} OFFSET {rowsBefore}"];
        var naive = await TimeAsync(Repeat(N(20), () => NaiveAsync(sql, null, ct)));
        return (first, new Measurement(Provider, caller, $"page {DeepPage:N0} of the deep list", kith, naive));
    }

    private async Task<Measurement> GetByIdAsync(string caller, long userId, long[]? owners, CancellationToken ct)
    {
        long[] ids;
        await using (var scope = _services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KithDb>();
            var max = await db.Customers.MaxAsync(c => c.Id, ct);
            var candidates = Enumerable.Range(1, 4000).Select(i => (long)(CustomerCsv.Mix(i * 104729L) % (ulong)max) + 1).Distinct().ToArray();
            var q = db.Customers.Where(c => candidates.Contains(c.Id));
            if (owners is not null) q = q.Where(c => owners.Contains(c.OwnerId));
            ids = (await q.Select(c => c.Id).ToListAsync(ct)).Take(N(400)).ToArray();
        }
        foreach (var id in ids.Take(20)) await AsCallerAsync(userId, (qs, a) => qs.GetAsync(a, id, ct), ct);
        var kith = await TimeAsync(ids.Select(id => (Func<Task>)(() => AsCallerAsync(userId, (qs, a) => qs.GetAsync(a, id, ct), ct))).ToList());
        var naive = await TimeAsync(ids.Take(N(100)).Select(id => (Func<Task>)(() =>
            NaiveAsync([$"SELECT * FROM customers WHERE id = {id.ToString(CultureInfo.InvariantCulture)}{OwnerClause(owners)}"], null, ct))).ToList());
        return new Measurement(Provider, caller, "GET by id", kith, naive);
    }

    private static string OwnerClause(long[]? owners) =>
        owners is null ? "" : $" AND owner_id IN ({string.Join(", ", owners.Select(o => o.ToString(CultureInfo.InvariantCulture)))})";

    private static string NaiveFilter(string filter) => filter switch
    {
        Filter => "stage = 'Customer' AND city = 'Shanghai'",
        DeepFilter => "stage = 'Customer'",
        _ => throw new ArgumentOutOfRangeException(nameof(filter)),
    };

    /// <summary>Runs plain SQL the way a hand-written endpoint would: a fresh pooled connection, read every row.</summary>
    private async Task<double> NaiveAsync(string[] statements, (string Name, string Value)? parameter, CancellationToken ct)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KithDb>();
        var t = Stopwatch.GetTimestamp();
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync(ct);
        foreach (var sql in statements)
        {
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            cmd.CommandTimeout = 0;
            if (parameter is { } p)
            {
                var dp = cmd.CreateParameter();
                dp.ParameterName = p.Name;
                dp.Value = p.Value;
                cmd.Parameters.Add(dp);
            }
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                for (var i = 0; i < reader.FieldCount; i++) _ = reader.GetValue(i);
        }
        await conn.CloseAsync();
        return Ms(Stopwatch.GetTimestamp() - t);
    }

    public static string Table(IEnumerable<Measurement> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| database | caller | operation | Kith p50 ms | Kith p95 ms | naive p50 ms | naive p95 ms | Kith/naive (p50) | samples (Kith/naive) |");
        sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in results)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Provider} | {m.Caller} | {m.Operation} | {m.KithP50:F2} | {m.KithP95:F2} | {m.NaiveP50:F2} | {m.NaiveP95:F2} | {m.KithP50 / m.NaiveP50:F3} | {m.Kith.Length}/{m.Naive.Length} |"));
        return sb.ToString();
    }
}
