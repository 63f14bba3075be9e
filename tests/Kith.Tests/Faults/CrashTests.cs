using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Kith.Tests.Infrastructure.CommandRunner;

namespace Kith.Tests.Faults;

/// <summary>
/// `kill -9` of a real `kith serve` process in the middle of API writes and imports, at seeded random moments, then a
/// restart over the same data: every write the client saw acknowledged is there, nothing is stored twice (retries
/// carry the same email or Idempotency-Key), a killed import holds exactly its committed batches and resumes to the
/// end, and SQLite's integrity check is clean. The final resume runs `kith import` in process, hence "Console".
/// </summary>
[Collection("Console")]
public sealed class CrashTests
{
    private const int Writers = 4;
    private const int ImportRows = 6_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <remarks>
    /// 20 seeds on SQLite, where surviving a crash is Kith's own doing (WAL, synchronous=NORMAL, one transaction per
    /// write); 6 on PostgreSQL, whose crash safety is the server's and where what is checked is Kith's answers and
    /// retries. Each seed costs a server start, so more would slow the suite without finding more.
    /// </remarks>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite, 20)]
    [InlineData(DatabaseProvider.Postgres, 6)]
    public async Task KillNineDuringWritesAndImportsLosesNoAcknowledgedWriteAndStoresNothingTwice(DatabaseProvider provider, int seeds)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        string token;
        await using (var db = database.Open())
        {
            var admin = new User { Email = "ada@example.com", DisplayName = "Ada", Role = Role.Admin, CreatedAt = DateTime.UtcNow };
            db.Users.Add(admin);
            await db.SaveChangesAsync(Ct);
            (_, token) = await new ApiTokens(db, TimeProvider.System).CreateAsync(admin.Id, "faults", Ct);
        }
        var ledger = new Ledger();
        var imports = new List<long>();
        for (var seed = 1; seed <= seeds + 1; seed++)
        {
            await using var server = await KithProcess.StartAsync(database, Ct);
            using var client = server.Client(token);
            await ledger.CheckAsync(database, imports, $"after the kill of seed {seed - 1}");
            await ledger.RetryAsync(client);
            await ledger.CheckAsync(database, imports, $"after retrying the writes of seed {seed - 1}");
            if (seed > seeds) break;

            var random = new Random(seed);
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(w => ledger.WriteAsync(client, seed, w, new Random(seed * 100 + w), stop.Token)).ToList();
            if (seed % 7 == 1) imports.Add(await StartImportAsync(client, seed));
            await Task.Delay(random.Next(150, 1_200), Ct);
            await server.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            Assert.True(ledger.Unexpected.IsEmpty, string.Join("\n", ledger.Unexpected) + "\n" + server.Output);
        }
        Assert.True(ledger.Acknowledged > seeds, $"Only {ledger.Acknowledged} writes were acknowledged in {seeds} bursts: the test exercised too little.");

        // Imports left running by a killed server resume after their last committed batch and end with each row once.
        string[] where = provider == DatabaseProvider.Sqlite ? ["--data", database.Folder]
            : ["--data", database.Folder, "--provider", "postgres", "--database", database.Options.ConnectionString];
        foreach (var id in imports)
        {
            await using (var db = database.Open())
                if ((await db.ImportJobs.AsNoTracking().SingleAsync(j => j.Id == id, Ct)).Status == ImportStatus.Completed) continue;
            var (code, output, error) = await RunAsync(["import", "resume", id.ToString(CultureInfo.InvariantCulture), .. where]);
            Assert.True(code == 0, $"import resume {id}: {error}{output}");
        }
        await using (var db = database.Open())
        {
            foreach (var id in imports)
            {
                var job = await db.ImportJobs.AsNoTracking().SingleAsync(j => j.Id == id, Ct);
                Assert.Equal((ImportStatus.Completed, (long)ImportRows), (job.Status, job.Created));
                Assert.Equal(ImportRows, await db.Customers.Where(c => c.ImportJobId == id).Select(c => c.ExternalId).Distinct().CountAsync(Ct));
                Assert.Equal(ImportRows, await db.Customers.CountAsync(c => c.ImportJobId == id, Ct));
            }
        }
        await ledger.CheckAsync(database, imports, "after resuming the imports");
    }

    private static async Task<long> StartImportAsync(HttpClient client, int seed)
    {
        var csv = new StringBuilder("customer_id,name,email,city\n");
        for (var i = 1; i <= ImportRows; i++) csv.Append(CultureInfo.InvariantCulture, $"S{seed}-{i},Imported {i},s{seed}-{i}@import.example,City {i % 11}\n");
        var body = new StringContent(csv.ToString(), Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await client.PostAsync($"/api/v1/imports/customers?fileName=seed{seed}.csv", body, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetInt64();
    }

    /// <summary>What the client sent and what it saw acknowledged, and the checks of the database against it.</summary>
    private sealed class Ledger
    {
        private readonly ConcurrentDictionary<string, long> _created = new();
        private readonly ConcurrentDictionary<string, byte> _createsInDoubt = new();
        private readonly ConcurrentDictionary<long, CityWrites> _cities = new();
        private readonly ConcurrentDictionary<string, long> _logged = new();
        private readonly ConcurrentDictionary<string, long> _logsInDoubt = new();
        private int _acknowledged;

        public ConcurrentQueue<string> Unexpected { get; } = new();
        public int Acknowledged => _acknowledged;

        /// <summary>One writer's burst: creates, patches of its own customers, and logged calls, until the server dies.</summary>
        public async Task WriteAsync(HttpClient client, int seed, int writer, Random random, CancellationToken stop)
        {
            var mine = new List<long>();
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var dice = random.NextDouble();
                try
                {
                    if (mine.Count == 0 || dice < 0.4)
                    {
                        var email = $"s{seed}w{writer}n{n}@faults.example";
                        _createsInDoubt[email] = 0;
                        var response = await client.PostJsonAsync("/api/v1/customers", new { name = $"Customer {seed}-{writer}-{n}", email });
                        if (response.StatusCode != HttpStatusCode.Created) { Unexpect("create", response); continue; }
                        var id = long.Parse(response.Headers.Location!.OriginalString.Split('/')[^1], CultureInfo.InvariantCulture);
                        Acknowledge(() => { _created[email] = id; _createsInDoubt.TryRemove(email, out _); });
                        mine.Add(id);
                    }
                    else if (dice < 0.75)
                    {
                        var id = mine[random.Next(mine.Count)];
                        var city = $"City {seed}-{writer}-{n}";
                        var writes = _cities.GetOrAdd(id, _ => new CityWrites());
                        writes.Sent.Add(city);
                        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/customers/{id}")
                        {
                            Content = new StringContent($$"""{"city":"{{city}}"}""", Encoding.UTF8, "application/merge-patch+json"),
                        };
                        var response = await client.SendAsync(request, stop);
                        if (response.StatusCode != HttpStatusCode.OK) { Unexpect("patch", response); continue; }
                        Acknowledge(() => writes.Acknowledged = writes.Sent.Count - 1);
                    }
                    else
                    {
                        var customer = mine[random.Next(mine.Count)];
                        var key = $"call-{seed}-{writer}-{n}";
                        _logsInDoubt[key] = customer;
                        var response = await LogAsync(client, key, customer, stop);
                        if (response.StatusCode != HttpStatusCode.Created) { Unexpect("log", response); continue; }
                        Acknowledge(() => { _logged[key] = customer; _logsInDoubt.TryRemove(key, out _); });
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    return; // the server is gone: what was in flight stays in doubt
                }
            }
        }

        /// <summary>Sends again what the client never heard back about, as a careful client would: same email, same key.</summary>
        public async Task RetryAsync(HttpClient client)
        {
            foreach (var email in _createsInDoubt.Keys.ToList())
            {
                var response = await client.PostJsonAsync("/api/v1/customers", new { name = "Retried", email });
                long id;
                if (response.StatusCode == HttpStatusCode.Created) id = (await response.JsonAsync()).GetProperty("id").GetInt64();
                else if (response.StatusCode == HttpStatusCode.Conflict) id = (await response.JsonAsync()).GetProperty("existingId").GetInt64();
                else { Unexpect("retried create", response); continue; }
                _created[email] = id;
                _createsInDoubt.TryRemove(email, out _);
            }
            foreach (var (key, customer) in _logsInDoubt.ToList())
            {
                var response = await LogAsync(client, key, customer, Ct);
                if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK)) { Unexpect("retried log", response); continue; }
                _logged[key] = customer;
                _logsInDoubt.TryRemove(key, out _);
            }
            Assert.True(Unexpected.IsEmpty, string.Join("\n", Unexpected));
        }

        public async Task CheckAsync(TestDatabase database, IReadOnlyList<long> imports, string when)
        {
            await using var db = database.Open();
            var customers = await db.Customers.AsNoTracking().Where(c => c.Email!.EndsWith("@faults.example"))
                .Select(c => new { c.Id, c.Email, c.City, c.DeletedAt }).ToListAsync(Ct);
            var byEmail = customers.ToLookup(c => c.Email!);
            foreach (var (email, id) in _created)
                Assert.True(byEmail[email].Select(c => c.Id).SequenceEqual([id]), $"{when}: the acknowledged customer {email} (id {id}) is missing or stored twice.");
            Assert.All(byEmail, g => Assert.True(g.Count() == 1, $"{when}: {g.Key} is stored {g.Count()} times."));
            Assert.All(customers, c => Assert.True(_created.ContainsKey(c.Email!) || _createsInDoubt.ContainsKey(c.Email!), $"{when}: {c.Email} was never sent."));
            foreach (var c in customers.Where(c => _cities.ContainsKey(c.Id)))
            {
                var writes = _cities[c.Id];
                var at = c.City is null ? -1 : writes.Sent.IndexOf(c.City);
                Assert.True(at >= writes.Acknowledged, $"{when}: customer {c.Id} has city '{c.City}', older than its acknowledged '{(writes.Acknowledged >= 0 ? writes.Sent[writes.Acknowledged] : null)}'.");
            }

            var calls = await db.Communications.AsNoTracking().Where(c => c.IdempotencyKey != null)
                .GroupBy(c => c.IdempotencyKey!).Select(g => new { Key = g.Key, Count = g.Count() }).ToListAsync(Ct);
            Assert.All(calls, c => Assert.True(c.Count == 1, $"{when}: the call with key {c.Key} is stored {c.Count} times."));
            var keys = calls.Select(c => c.Key).ToHashSet();
            Assert.All(_logged.Keys, k => Assert.True(keys.Contains(k), $"{when}: the acknowledged call {k} is missing."));

            foreach (var id in imports)
            {
                var job = await db.ImportJobs.AsNoTracking().SingleAsync(j => j.Id == id, Ct);
                var stored = await db.Customers.CountAsync(c => c.ImportJobId == id, Ct);
                Assert.True(stored == job.Created, $"{when}: import {id} ({job.Status}) holds {stored} customers but committed {job.Created}: a batch was half written.");
            }

            if (database.Options.Provider == DatabaseProvider.Sqlite)
            {
                Assert.Equal(["ok"], await db.Database.SqlQueryRaw<string>("SELECT integrity_check AS \"Value\" FROM pragma_integrity_check").ToListAsync(Ct));
                Assert.Empty(await db.Database.SqlQueryRaw<string>("SELECT \"table\" AS \"Value\" FROM pragma_foreign_key_check").ToListAsync(Ct));
            }
        }

        private static async Task<HttpResponseMessage> LogAsync(HttpClient client, string key, long customer, CancellationToken ct)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/communications")
            {
                Content = JsonContent.Create(new { customerId = customer, channel = "phone", subject = key }, options: KithTestHost.Json),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request, ct);
        }

        private void Acknowledge(Action record)
        {
            lock (this) record();
            Interlocked.Increment(ref _acknowledged);
        }

        private void Unexpect(string what, HttpResponseMessage response) =>
            Unexpected.Enqueue($"{what}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
    }

    /// <summary>The cities sent for one customer by its one writer, in order, and the last one acknowledged.</summary>
    private sealed class CityWrites
    {
        public List<string> Sent { get; } = [];
        public int Acknowledged { get; set; } = -1;
    }
}
