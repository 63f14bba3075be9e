using System.Net;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Security;

/// <summary>
/// SQL injection through the filter, sort and search parameters of every list: the stranger (an agent who reaches
/// none of the owner's records) sends classic payloads. Each answer is a 200 or a 400 problem, never a 5xx; none
/// shows a record the stranger cannot reach (a payload that escaped its string would lift the reach condition); and
/// the database is as before (no statement was stacked).
/// </summary>
public sealed class SqlInjectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] s_payloads =
    [
        "' OR '1'='1", "\" OR \"1\"=\"1", "1) OR (1=1", "'; DELETE FROM customers; --",
        "x' UNION SELECT password_hash, email FROM users --", "%' OR name LIKE '%", "name eq x' OR '1'='1", "name;DROP TABLE users",
    ];

    private static readonly string[] s_lists =
    [
        "/api/v1/customers", "/api/v1/companies", "/api/v1/cases", "/api/v1/feedback", "/api/v1/imports", "/api/v1/duplicates",
        "/api/v1/customers/deleted", "/api/v1/companies/deleted", "/api/v1/customers/export", "/api/v1/companies/export",
    ];

    [Fact]
    public async Task PayloadsInFilterSortAndSearchOfEveryListAreRefusedOrHarmlessAndChangeNothing()
    {
        await using var w = await SecurityWorld.StartAsync();
        var failures = new List<string>();
        await DatabaseFingerprint.AssertUnchangedAsync(w.Host, "the injection payloads", async () =>
        {
            foreach (var list in s_lists)
            foreach (var parameter in new[] { "q", "filter", "sort", "cursor" })
            foreach (var payload in s_payloads)
                await ProbeAsync(w.Stranger, $"{list}?{parameter}={Uri.EscapeDataString(payload)}", failures);
            foreach (var payload in s_payloads)
            {
                await ProbeAsync(w.Stranger, $"/api/v1/customers/{w["customer"]}/timeline?q={Uri.EscapeDataString(payload)}", failures, notFoundIsFine: true);
                var count = await w.Stranger.PostJsonAsync("/api/v1/segments/count", new { filter = payload });
                await CheckAsync(count, "segments/count " + payload, failures);
                // The audit trail is for administrators; an admin's search must be as safe.
                await ProbeAsync(w.Admin, $"/api/v1/audit?q={Uri.EscapeDataString(payload)}", failures, adminSeesAll: true);
                await ProbeAsync(w.Admin, $"/api/v1/audit?action={Uri.EscapeDataString(payload)}", failures, adminSeesAll: true);
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
    }

    private static async Task ProbeAsync(HttpClient client, string url, List<string> failures, bool notFoundIsFine = false, bool adminSeesAll = false)
    {
        var response = await client.GetAsync(url, Ct);
        if (notFoundIsFine && response.StatusCode == HttpStatusCode.NotFound) return;
        await CheckAsync(response, url, failures, adminSeesAll);
    }

    private static async Task CheckAsync(HttpResponseMessage response, string what, List<string> failures, bool adminSeesAll = false)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.BadRequest))
            failures.Add($"{what}: {(int)response.StatusCode} {body[..Math.Min(200, body.Length)]}");
        else if (!adminSeesAll && body.Contains("owner-text", StringComparison.Ordinal))
            failures.Add($"{what}: shows a record out of reach");
        else if (body.Contains("SQLite Error", StringComparison.OrdinalIgnoreCase) || body.Contains("syntax error", StringComparison.OrdinalIgnoreCase))
            failures.Add($"{what}: leaks a database error: {body[..Math.Min(200, body.Length)]}");
    }
}
