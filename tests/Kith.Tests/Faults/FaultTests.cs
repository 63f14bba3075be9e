using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kith.Tests.Faults;

/// <summary>
/// What a running server does when things go wrong under it: races on one record or one email, a full disk, a
/// database connection killed in the middle of a transaction. Each ends in a clear answer and a consistent database.
/// </summary>
public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, ClassData(typeof(Providers))]
    public async Task TwentyParallelCreatesWithOneEmailMakeOneCustomerAndTheOthersAreTold409WithItsId(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var creates = Enumerable.Range(0, 20).Select(async i =>
        {
            await gate.Task;
            return await client.PostJsonAsync("/api/v1/customers", new { name = $"Twin {i}", email = i % 2 == 0 ? "twin@example.com" : " TWIN@Example.com " });
        }).ToList();
        gate.SetResult();
        var responses = await Task.WhenAll(creates);

        var created = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var id = (await created.JsonAsync()).GetProperty("id").GetInt64();
        foreach (var refused in responses.Where(r => r != created))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.JsonAsync();
            Assert.Equal(id, problem.GetProperty("existingId").GetInt64());
            Assert.Contains($"/api/v1/customers/{id}", problem.GetProperty("detail").GetString());
        }
        await using var db = host.OpenDb();
        Assert.Equal([id], await db.Customers.Where(c => c.Email == "twin@example.com").Select(c => c.Id).ToListAsync(Ct));
    }

    [Theory, ClassData(typeof(Providers))]
    public async Task TwoPatchesWithTheSameIfMatchAtOnceOneWinsAndTheOtherIs412(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        for (var round = 0; round < 5; round++)
        {
            var created = await client.PostJsonAsync("/api/v1/customers", new { name = $"Race {round}", email = $"race{round}@example.com" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = (await created.JsonAsync()).GetProperty("id").GetInt64();
            var etag = created.Headers.ETag!.Tag;
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var patches = new[] { "Berlin", "Shanghai" }.Select(async city =>
            {
                await gate.Task;
                var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/customers/{id}")
                {
                    Content = new StringContent($$"""{"city":"{{city}}"}""", Encoding.UTF8, "application/merge-patch+json"),
                };
                request.Headers.TryAddWithoutValidation("If-Match", etag);
                return (City: city, Response: await client.SendAsync(request, Ct));
            }).ToList();
            gate.SetResult();
            var answers = await Task.WhenAll(patches);

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], answers.Select(a => a.Response.StatusCode).Order());
            var winner = answers.Single(a => a.Response.StatusCode == HttpStatusCode.OK).City;
            var now = await (await client.GetAsync($"/api/v1/customers/{id}", Ct)).JsonAsync();
            Assert.Equal(winner, now.GetProperty("city").GetString());
            Assert.Equal(2, now.GetProperty("version").GetInt32());
        }
    }

    [Fact]
    public async Task AFullSqliteDatabaseRefusesWritesWith507KeepsAnsweringReadsAndTakesWritesAgainWhenSpaceReturns()
    {
        var space = new SqliteSpace();
        await using var host = await KithTestHost.StartAsync(configure: o => o with { Database = o.Database with { Space = space } });
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        var first = await client.PostJsonAsync("/api/v1/customers", new { name = "Before the disk filled", email = "before@example.com" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var firstId = (await first.JsonAsync()).GetProperty("id").GetInt64();

        await using (var db = host.OpenDb())
        {
            await db.Database.OpenConnectionAsync(Ct);
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.CommandText = "PRAGMA page_count";
            space.MaxPageCount = Convert.ToInt64(await cmd.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture) + 8;
        }
        HttpResponseMessage? full = null;
        var stored = 0;
        for (var i = 0; i < 2_000 && full is null; i++)
        {
            var response = await client.PostJsonAsync("/api/v1/customers", new { name = $"Filler {i}", email = $"filler{i}@example.com", address = new string('x', 450) + i });
            if (response.StatusCode == HttpStatusCode.Created) stored++;
            else full = response;
        }
        Assert.NotNull(full);
        Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
        Assert.Equal("application/problem+json", full.Content.Headers.ContentType?.MediaType);
        var problem = await full.JsonAsync();
        Assert.Equal("The database is full", problem.GetProperty("title").GetString());
        Assert.Contains("nothing was stored", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("   at ", problem.ToString());

        // Reads go on, and the refused write left nothing behind.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/customers/{firstId}", Ct)).StatusCode);
        var list = await client.GetAsync("/api/v1/customers?limit=5&q=filler", Ct);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        await using (var db = host.OpenDb())
            Assert.Equal(stored + 1, await db.Customers.CountAsync(Ct));
        var again = await client.PostJsonAsync("/api/v1/customers", new { name = "Still full", email = "still@example.com", address = new string('x', 450) + "!" });
        Assert.Equal(HttpStatusCode.InsufficientStorage, again.StatusCode);

        space.MaxPageCount = null;
        var after = await client.PostJsonAsync("/api/v1/customers", new { name = "After space returned", email = "after@example.com" });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        await using (var db = host.OpenDb())
        {
            Assert.Equal(stored + 2, await db.Customers.CountAsync(Ct));
            Assert.Equal(["ok"], await db.Database.SqlQueryRaw<string>("SELECT integrity_check AS \"Value\" FROM pragma_integrity_check").ToListAsync(Ct));
        }
    }

    [Fact]
    public async Task APostgresConnectionKilledMidImportCommitsNoPartialBatchAndTheNextRequestsSucceedOnTheirOwn()
    {
        await using var host = await KithTestHost.StartAsync(DatabaseProvider.Postgres);
        var (_, client) = await host.UserWithClientAsync(Role.Admin);
        var csv = new StringBuilder("customer_id,name,email,city\n");
        for (var i = 1; i <= 40_000; i++) csv.Append($"P{i},Person {i},p{i}@example.com,City {i % 17}\n");
        var upload = new StringContent(csv.ToString(), Encoding.UTF8);
        upload.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var started = await client.PostAsync("/api/v1/imports/customers?fileName=big.csv", upload, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var jobId = (await started.JsonAsync()).GetProperty("id").GetInt64();

        // A backend that holds a transaction id is in the middle of writing: the import's batch. (What was killed is
        // kept for the failure message: once in several full runs the job stayed running, not yet explained.)
        var killed = new List<string>();
        await using (var admin = new NpgsqlConnection(host.Database.Options.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (killed.Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "No writing transaction was seen within two minutes.");
                await using var cmd = new NpgsqlCommand("""
                    SELECT application_name, left(query, 120), pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
                    """, admin);
                await using (var reader = await cmd.ExecuteReaderAsync(Ct))
                    while (await reader.ReadAsync(Ct))
                        if (reader.GetBoolean(2)) killed.Add($"'{reader.GetString(0)}': {reader.GetString(1)}");
                if (killed.Count == 0) await Task.Delay(5, Ct);
            }
        }

        ImportJob job;
        // A liveness bound, not a speed one: under a full test run's load the import may still be writing its batches
        // when an unrelated writer was the one killed.
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            await using (var db = host.OpenDb())
                job = await db.ImportJobs.AsNoTracking().SingleAsync(j => j.Id == jobId, Ct);
            if (job.Status is not (ImportStatus.Queued or ImportStatus.Running)) break;
            Assert.True(DateTime.UtcNow < until, $"The import is still {job.Status} five minutes after its connection was killed: rows read {job.RowsRead}, "
                + $"created {job.Created}, last committed line {job.LastCommittedLine}, heartbeat {job.HeartbeatAt:O}; killed: {string.Join(" | ", killed)}");
            await Task.Delay(100, Ct);
        }

        // The killed batch left nothing: whatever the job ended as, the rows stored are exactly those it counts.
        await using (var db = host.OpenDb())
        {
            var stored = await db.Customers.CountAsync(c => c.ImportJobId == jobId, Ct);
            Assert.Equal(job.Status == ImportStatus.Completed ? job.Created : 0, stored);
            Assert.Equal(stored, await db.Customers.Where(c => c.ImportJobId == jobId).Select(c => c.ExternalId).Distinct().CountAsync(Ct));
        }
        // The pool recovers by itself: the very next requests succeed without a retry.
        var next = await client.PostJsonAsync("/api/v1/customers", new { name = "After the kill", email = "after-kill@example.com" });
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/customers?limit=5", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/imports", Ct)).StatusCode);
    }
}
