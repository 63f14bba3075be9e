using System.Net;
using System.Net.Http.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Kith.Tests.Infrastructure;

/// <summary>Two `kith serve` nodes over one PostgreSQL database, as behind a load balancer.</summary>
public sealed class SeveralNodesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASignInSettingsAndCachedCountsFromOneNodeHoldOnTheOther()
    {
        await using var a = await KithTestHost.StartAsync(DatabaseProvider.Postgres);
        await using var b = await KithTestHost.StartAnotherNodeAsync(a);
        var adminId = await a.CreateUserAsync("ada@example.com", Role.Admin);

        // Signed in on A, the same cookie opens an admin page on B.
        var browserOnA = await a.SignedInClientAsync("ada@example.com");
        var onB = b.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/backups");
        request.Headers.Add("Cookie", browserOnA.CookieHeader(a.Address));
        var page = await onB.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        await using (var db = a.OpenDb())
        {
            var keys = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync(Ct);
            Assert.NotEmpty(keys);
            // Stored sealed with secret.key: the key material itself never sits in the database in the clear.
            Assert.All(keys, x => Assert.Contains("<sealed", x));
            Assert.All(keys, x => Assert.DoesNotContain("<value>", x));
        }

        // A setting changed through A is what B answers.
        var apiA = await a.ApiClientAsync(adminId);
        var apiB = await b.ApiClientAsync(adminId);
        (await apiA.PutAsJsonAsync("/api/v1/settings", new { defaultPhoneRegion = "DE" }, KithTestHost.Json, Ct)).EnsureSuccessStatusCode();
        Assert.Equal("DE", (await (await apiB.GetAsync("/api/v1/settings", Ct)).JsonAsync()).GetProperty("defaultPhoneRegion").GetString());

        // Cohort counts are cached in each node; a refresh on A makes B count again rather than answer from its old copy.
        var before = await ComputedAtAsync(apiB, "");
        var refreshed = await ComputedAtAsync(apiA, "&refresh=true");
        var after = await ComputedAtAsync(apiB, "");
        Assert.True(refreshed >= before);
        Assert.True(after >= refreshed, $"B answered from counts taken at {after:O}, before A's refresh at {refreshed:O}");
    }

    [Fact]
    public async Task BackgroundWorkRunsOnOneNodeAndMovesToTheOtherWhenItStops()
    {
        await using var a = await KithTestHost.StartAsync(DatabaseProvider.Postgres);
        var nodeA = a.Services.GetRequiredService<JobLocks>().Node;
        await WaitForHolderAsync(a, Kith.Backups.BackupWorker.Job, nodeA);
        await using var b = await KithTestHost.StartAnotherNodeAsync(a);
        var nodeB = b.Services.GetRequiredService<JobLocks>().Node;
        Assert.NotEqual(nodeA, nodeB);

        // B asks every half second; after several rounds A still holds every job and B none.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        foreach (var job in new[] { Kith.Backups.BackupWorker.Job, Kith.Mail.MailSyncWorker.Job, Kith.Behavior.BehaviorWorker.Job, Kith.Importing.ImportWorker.Job })
            Assert.Equal([nodeA], await HoldersAsync(a, job));

        await a.StopAsync();
        await WaitForHolderAsync(b, Kith.Backups.BackupWorker.Job, nodeB);
        await WaitForHolderAsync(b, Kith.Mail.MailSyncWorker.Job, nodeB);
    }

    [Fact]
    public async Task SignInFailuresOnOneNodeCountOnTheOther()
    {
        await using var a = await KithTestHost.StartAsync(DatabaseProvider.Postgres);
        await using var b = await KithTestHost.StartAnotherNodeAsync(a);
        await a.CreateUserAsync("agent@example.com", Role.Agent);

        // Five wrong passwords, spread over both nodes: the account is throttled on both, even for the right password.
        for (var i = 0; i < 5; i++)
        {
            var node = i % 2 == 0 ? a : b;
            Assert.Equal(HttpStatusCode.OK, (await CookieSessions.SubmitLoginAsync(node.Browser(), "agent@example.com", "guess number " + i)).StatusCode);
        }
        foreach (var node in new[] { a, b })
        {
            var blocked = await CookieSessions.SubmitLoginAsync(node.Browser(), "agent@example.com", CookieSessions.Password);
            Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
            Assert.True(int.Parse(blocked.Headers.GetValues("Retry-After").Single()) > 0);
        }
        // The address's count is shared too: fifteen more failures on B reach its 20, and A then refuses another account.
        for (var i = 0; i < 15; i++) await CookieSessions.SubmitLoginAsync(b.Browser(), $"user{i}@example.com", "guess");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CookieSessions.SubmitLoginAsync(a.Browser(), "other@example.com", "guess")).StatusCode);
    }

    private static async Task<DateTime> ComputedAtAsync(HttpClient client, string extra)
    {
        var response = await client.GetAsync("/api/v1/analytics/cohorts?by=signup" + extra, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("computedAt").GetDateTime();
    }

    /// <summary>Which nodes hold the job's advisory lock, read from PostgreSQL itself.</summary>
    private static async Task<List<string>> HoldersAsync(KithTestHost host, string job)
    {
        var key = JobLocks.Key(job);
        await using var connection = new NpgsqlConnection(host.Database.Options.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = @high AND l.objid::bigint = @low
            """, connection);
        cmd.Parameters.AddWithValue("high", (long)(uint)(key >> 32));
        cmd.Parameters.AddWithValue("low", (long)(uint)key);
        var holders = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) holders.Add(reader.GetString(0).Split(' ')[1]);
        return holders;
    }

    private static async Task WaitForHolderAsync(KithTestHost host, string job, string node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> holders;
        while ((holders = await HoldersAsync(host, job)) is not [var only] || only != node)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{job} is held by [{string.Join(", ", holders)}], not by node {node}.");
            await Task.Delay(100, Ct);
        }
    }
}
