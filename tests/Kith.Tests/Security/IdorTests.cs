using System.Net;
using System.Net.Http.Json;
using System.Text;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Security;

/// <summary>
/// Insecure direct object references on every object type and sub-resource: an agent who is not in the owner's team
/// asks for, and tries to change, every object of the owner by its id. Each answer is 404, exactly as for an id that
/// does not exist (so reach is not even revealed), never 403 and never data; and the database is as before.
/// </summary>
public sealed class IdorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Json(object body, string type = "application/json") =>
        new(System.Text.Json.JsonSerializer.Serialize(body, KithTestHost.Json), Encoding.UTF8, type);

    /// <summary>
    /// One request of the stranger. <paramref name="Twin"/>, when given, is the same request about an id that does not
    /// exist: then the answer need not be 404 (a body field naming a customer is a 400, a right the role lacks a 403),
    /// but it must be the twin's answer word for word, so it tells nothing about the owner's object.
    /// </summary>
    private sealed record Probe(string What, HttpMethod Method, string Url, Func<HttpContent?> Body, bool Browser = false, Probe? Twin = null);

    private const long Missing = 987654;

    private static IEnumerable<Probe> Requests(SecurityWorld w)
    {
        long customer = w["customer"], company = w["company"], comm = w["communication"], task = w["task"], @case = w["case"];
        var reads = new (string, string)[]
        {
            ("customer", $"/api/v1/customers/{customer}"),
            ("customer history", $"/api/v1/customers/{customer}/history"),
            ("customer timeline", $"/api/v1/customers/{customer}/timeline"),
            ("customer communications", $"/api/v1/customers/{customer}/communications"),
            ("customer purchases", $"/api/v1/customers/{customer}/purchases"),
            ("customer emails", $"/api/v1/customers/{customer}/emails"),
            ("customer consents", $"/api/v1/customers/{customer}/consents"),
            ("customer predictions", $"/api/v1/customers/{customer}/predictions"),
            ("personal-data export (API)", $"/api/v1/customers/{customer}/personal-data"),
            ("personal-data export (UI)", $"/customers/{customer}/personal-data"),
            ("company", $"/api/v1/companies/{company}"),
            ("company history", $"/api/v1/companies/{company}/history"),
            ("company customers", $"/api/v1/companies/{company}/customers"),
            ("communication", $"/api/v1/communications/{comm}"),
            ("attachment (API)", w.AttachmentUrl),
            ("attachment (UI)", $"/communications/{comm}/attachments/{w["attachment"]}"),
            ("case of a communication", $"/api/v1/communications/{comm}/case"),
            ("task", $"/api/v1/tasks/{task}"),
            ("case", $"/api/v1/cases/{@case}"),
            ("feedback", $"/api/v1/feedback/{w["feedback"]}"),
            ("mailbox", $"/api/v1/mailboxes/{w["mailbox"]}"),
            ("mailbox runs", $"/api/v1/mailboxes/{w["mailbox"]}/runs"),
            ("import", $"/api/v1/imports/{w["import"]}"),
            ("import report", $"/api/v1/imports/{w["import"]}/report"),
            ("import rejected rows", $"/api/v1/imports/{w["import"]}/rejected"),
            ("import rejected file (csv)", $"/imports/{w["import"]}/rejected.csv"),
            ("import rejected file (xlsx)", $"/imports/{w["import"]}/rejected.xlsx"),
        };
        foreach (var (what, url) in reads) yield return new Probe(what, HttpMethod.Get, url, () => null, Browser: !url.StartsWith("/api/", StringComparison.Ordinal));
        if (w.Ids.TryGetValue("duplicate", out var pair)) yield return new Probe("duplicate pair", HttpMethod.Get, $"/api/v1/duplicates/{pair}", () => null);

        var writes = new (string What, HttpMethod Method, string Url, Func<HttpContent?> Body)[]
        {
            ("patch customer", HttpMethod.Patch, $"/api/v1/customers/{customer}", () => Json(new { name = "taken" }, "application/merge-patch+json")),
            ("delete customer", HttpMethod.Delete, $"/api/v1/customers/{customer}", () => null),
            ("restore customer", HttpMethod.Post, $"/api/v1/customers/{customer}/restore", () => null),
            ("record consent", HttpMethod.Post, $"/api/v1/customers/{customer}/consents", () => Json(new { purpose = "marketingEmail" })),
            ("merge customers", HttpMethod.Post, $"/api/v1/customers/{customer}/merge", () => Json(new { mergeId = w["customer2"] })),
            ("send email", HttpMethod.Post, $"/api/v1/customers/{customer}/emails", () => Json(new { subject = "x", body = "y" })),
            ("preview email", HttpMethod.Post, $"/api/v1/customers/{customer}/emails/preview", () => Json(new { subject = "x", body = "y" })),
            ("patch company", HttpMethod.Patch, $"/api/v1/companies/{company}", () => Json(new { name = "taken" }, "application/merge-patch+json")),
            ("delete company", HttpMethod.Delete, $"/api/v1/companies/{company}", () => null),
            ("change communication", HttpMethod.Put, $"/api/v1/communications/{comm}", () => Json(new { customerId = customer, channel = "email", content = "x" })),
            ("delete communication", HttpMethod.Delete, $"/api/v1/communications/{comm}", () => null),
            ("attach to communication", HttpMethod.Post, $"/api/v1/communications/{comm}/attachments?fileName=x.txt", () => new StringContent("x")),
            ("delete attachment", HttpMethod.Delete, w.AttachmentUrl, () => null),
            ("open case from communication", HttpMethod.Post, $"/api/v1/communications/{comm}/case", () => Json(new { })),
            ("change task", HttpMethod.Put, $"/api/v1/tasks/{task}", () => Json(new { title = "taken" })),
            ("complete task", HttpMethod.Post, $"/api/v1/tasks/{task}/complete", () => Json(new { })),
            ("reopen task", HttpMethod.Post, $"/api/v1/tasks/{task}/reopen", () => null),
            ("dismiss task reminder", HttpMethod.Post, $"/api/v1/tasks/{task}/reminder/dismiss", () => null),
            ("delete task", HttpMethod.Delete, $"/api/v1/tasks/{task}", () => null),
            ("change case", HttpMethod.Patch, $"/api/v1/cases/{@case}", () => Json(new { subject = "taken" }, "application/merge-patch+json")),
            ("reply to case", HttpMethod.Post, $"/api/v1/cases/{@case}/replies", () => Json(new { content = "x" })),
            ("link communication to case", HttpMethod.Post, $"/api/v1/cases/{@case}/communications", () => Json(new { communicationId = comm })),
            ("delete saved view", HttpMethod.Delete, $"/api/v1/saved-views/{w["savedView"]}", () => null),
            ("change mailbox", HttpMethod.Put, $"/api/v1/mailboxes/{w["mailbox"]}", () => Json(new { name = "x", address = "x@example.com", imapHost = "imap.example.com", smtpHost = "smtp.example.com" })),
            ("test mailbox", HttpMethod.Post, $"/api/v1/mailboxes/{w["mailbox"]}/test", () => null),
            ("sync mailbox", HttpMethod.Post, $"/api/v1/mailboxes/{w["mailbox"]}/sync", () => null),
            ("delete mailbox", HttpMethod.Delete, $"/api/v1/mailboxes/{w["mailbox"]}", () => null),
            ("cancel import", HttpMethod.Post, $"/api/v1/imports/{w["import"]}/cancel", () => null),
            ("revert import", HttpMethod.Post, $"/api/v1/imports/{w["import"]}/revert", () => null),
            ("revoke token", HttpMethod.Delete, $"/api/v1/tokens/{w["token"]}", () => null),
        };
        foreach (var (what, method, url, body) in writes) yield return new Probe(what, method, url, body);
        if (w.Ids.TryGetValue("duplicate", out pair)) yield return new Probe("dismiss duplicate", HttpMethod.Post, $"/api/v1/duplicates/{pair}/dismiss", () => null);

        // A customer named in the body is checked like a field: the answer is that of a customer that does not exist.
        foreach (var (what, url, body) in new (string, string, Func<long, object>)[]
                 {
                     ("log communication on the customer", "/api/v1/communications", id => new { customerId = id, channel = "email", content = "x" }),
                     ("task on the customer", "/api/v1/tasks", id => new { title = "x", customerId = id }),
                     ("case on the customer", "/api/v1/cases", id => new { subject = "x", customerId = id }),
                     ("feedback on the customer", "/api/v1/feedback", id => new { customerId = id, kind = "csat", score = 5 }),
                     ("survey to the customer", "/api/v1/feedback/surveys", id => new { customerId = id, kind = "csat" }),
                 })
            yield return new Probe(what, HttpMethod.Post, url, () => Json(body(customer)),
                Twin: new Probe(what, HttpMethod.Post, url, () => Json(body(Missing))));
        // Erasing is a right of roles an administrator chooses; an agent without it hears so for any id.
        yield return new Probe("erase customer", HttpMethod.Post, $"/api/v1/customers/{customer}/erase", () => Json(new { }),
            Twin: new Probe("erase customer", HttpMethod.Post, $"/api/v1/customers/{Missing}/erase", () => Json(new { })));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task EveryObjectAndSubResourceOfAnotherUserIs404ForReadsAndWritesAndNothingChanges(DatabaseProvider provider)
    {
        await using var w = await SecurityWorld.StartAsync(provider);
        var failures = new List<string>();
        var requests = Requests(w).ToList();
        var strangerBrowser = await w.BrowserAsync(SecurityWorld.StrangerEmail);

        async Task<(HttpStatusCode Status, string Text)> SendAsync(HttpClient client, Probe probe)
        {
            using var request = new HttpRequestMessage(probe.Method, probe.Url) { Content = probe.Body() };
            var response = await client.SendAsync(request, Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        await DatabaseFingerprint.AssertUnchangedAsync(w.Host, "the stranger's requests", async () =>
        {
            foreach (var probe in requests)
            {
                var client = probe.Browser ? strangerBrowser : w.Stranger;
                var (status, text) = await SendAsync(client, probe);
                var shown = $"{probe.What}: {probe.Method} {probe.Url} answered {(int)status} {text[..Math.Min(200, text.Length)]}";
                if (text.Contains("owner-text", StringComparison.Ordinal)) failures.Add(shown + " (the owner's data)");
                else if (probe.Twin is null && status != HttpStatusCode.NotFound) failures.Add(shown);
                else if (probe.Twin is { } twin)
                {
                    var (twinStatus, twinText) = await SendAsync(client, twin);
                    if ((int)status < 400 || status != twinStatus || Detail(text, w["customer"]) != Detail(twinText, Missing))
                        failures.Add($"{shown}, but for an id that does not exist {(int)twinStatus} {twinText}");
                }
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // The same ids answer the owner: the 404s above are about reach, not about wrong urls.
        var ownerBrowser = await w.BrowserAsync(SecurityWorld.OwnerEmail);
        // (Predictions answer 404 to the owner as well until a model is trained, and so does the case of a communication
        // that is in none.)
        foreach (var probe in requests.Where(r => r.Method == HttpMethod.Get && r.What is not ("customer predictions" or "case of a communication")))
            Assert.True((await SendAsync(probe.Browser ? ownerBrowser : w.Owner, probe)).Status == HttpStatusCode.OK, probe.What);
    }

    /// <summary>The problem's detail with the id asked about taken out.</summary>
    private static string Detail(string problem, long id)
    {
        try
        {
            return System.Text.Json.JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString()!.Replace(id.ToString(System.Globalization.CultureInfo.InvariantCulture), "<id>");
        }
        catch (System.Text.Json.JsonException)
        {
            return problem;
        }
    }

    [Fact]
    public async Task ListsAndSearchesOfAnotherUserHoldNothingOfTheOwners()
    {
        await using var w = await SecurityWorld.StartAsync();
        foreach (var url in new[]
                 {
                     "/api/v1/customers", "/api/v1/customers?q=owner-text", "/api/v1/companies", "/api/v1/cases", "/api/v1/feedback",
                     "/api/v1/tasks/my-day", "/api/v1/saved-views", "/api/v1/mailboxes", "/api/v1/imports", "/api/v1/tokens",
                     $"/api/v1/tokens?userId={w.OwnerId}", "/api/v1/duplicates", "/api/v1/customers/export", "/api/v1/companies/export",
                     $"/api/v1/feedback/surveys?customerId={w["customer"]}", "/api/v1/feedback/summary?groupBy=customer",
                 })
        {
            var response = await w.Stranger.GetAsync(url, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{url}: {(int)response.StatusCode} {text}");
            Assert.False(text.Contains("owner-text", StringComparison.Ordinal), $"{url} shows the owner's data: {text}");
        }
    }
}
