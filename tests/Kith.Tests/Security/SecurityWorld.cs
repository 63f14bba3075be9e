using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Importing;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Security;

/// <summary>
/// A workspace with one of every kind of object, all belonging to one agent (the owner), and a second agent of the
/// same role in no team with them (the stranger), plus an administrator: what the IDOR, secrets and injection tests
/// walk through. Every text the owner types is <see cref="Text"/>, so a test can look for it anywhere.
/// </summary>
public sealed class SecurityWorld : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public required KithTestHost Host { get; init; }
    public required HttpClient Admin { get; init; }
    public required HttpClient Owner { get; init; }
    public required long OwnerId { get; init; }
    public required HttpClient Stranger { get; init; }
    public required long StrangerId { get; init; }
    public required IReadOnlyDictionary<string, long> Ids { get; init; }
    public required string AttachmentUrl { get; init; }

    public const string AdminEmail = "admin@staff.example", OwnerEmail = "owner@staff.example", StrangerEmail = "stranger@staff.example";

    public long this[string name] => Ids[name];

    /// <summary>A cookie-signed-in browser client of the user, for the download routes of the UI.</summary>
    public Task<HttpClient> BrowserAsync(string email) => Kith.Tests.Identity.CookieSessions.SignedInClientAsync(Host, email);

    public static async Task<SecurityWorld> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, string text = "owner-text")
    {
        var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin, AdminEmail);
        var (ownerId, owner) = await host.UserWithClientAsync(Role.Agent, OwnerEmail);
        var (strangerId, stranger) = await host.UserWithClientAsync(Role.Agent, StrangerEmail);
        var ids = new Dictionary<string, long>();

        async Task<long> Create(string name, HttpClient client, string url, object body)
        {
            var response = await client.PostJsonAsync(url, body);
            var json = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{name}: {(int)response.StatusCode} {json}");
            return ids[name] = (await response.JsonAsync()).GetProperty("id").GetInt64();
        }

        var company = await Create("company", owner, "/api/v1/companies", new { name = text + " Ltd", ownerId });
        var customer = await Create("customer", owner, "/api/v1/customers",
            new { name = text + " Wang", email = "wang@example.com", phone = "+86 138 0013 8000", companyId = company, tags = new[] { "t-" + text } });
        await Create("customer2", owner, "/api/v1/customers", new { name = text + " Wang", email = "wang2@example.com", phone = "+86 138 0013 8000" });
        var communication = await Create("communication", owner, "/api/v1/communications",
            new { customerId = customer, channel = "email", subject = text, content = text });
        var attachment = await owner.PostAsync($"/api/v1/communications/{communication}/attachments?fileName=note.txt",
            new StringContent(text, Encoding.UTF8, "text/plain"), Ct);
        Assert.Equal(HttpStatusCode.Created, attachment.StatusCode);
        ids["attachment"] = (await attachment.JsonAsync()).GetProperty("id").GetInt64();
        await Create("task", owner, "/api/v1/tasks", new { title = text, notes = text, customerId = customer });
        await Create("case", owner, "/api/v1/cases", new { subject = text, customerId = customer });
        await Create("feedback", owner, "/api/v1/feedback", new { customerId = customer, kind = "csat", score = 2, comment = text });
        await Create("savedView", owner, "/api/v1/saved-views", new { entity = "customer", name = text, query = text });
        await Create("segment", admin, "/api/v1/segments", new { name = text, filter = "stage eq lead" });
        await Create("mailbox", owner, "/api/v1/mailboxes", new
        {
            name = text, address = "owner@work.example", imapHost = "imap.example.com", smtpHost = "smtp.example.com", password = "mailbox-pw-5150", syncEnabled = false,
        });
        await Create("token", owner, "/api/v1/tokens", new { name = text });
        await Create("template", admin, "/api/v1/mail-templates", new { name = text, language = "en", subject = text, body = text });

        var csv = new ByteArrayContent(Encoding.UTF8.GetBytes($"name,email\n{text} Li,li@example.com\n{text} Bad,not-an-email\n"));
        csv.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var import = await owner.PostAsync("/api/v1/imports/customers?fileName=people.csv", csv, Ct);
        Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
        var job = await ImportsApiTests.FinishedAsync(owner, import.Headers.Location!.OriginalString);
        ids["import"] = job.GetProperty("id").GetInt64();

        await owner.PostJsonAsync("/api/v1/duplicates/scan", new { });
        var pairs = await (await admin.GetAsync("/api/v1/duplicates", Ct)).JsonAsync();
        if (pairs.GetProperty("items").EnumerateArray().FirstOrDefault() is { ValueKind: System.Text.Json.JsonValueKind.Object } pair)
            ids["duplicate"] = pair.GetProperty("id").GetInt64();

        return new SecurityWorld
        {
            Host = host, Admin = admin, Owner = owner, OwnerId = ownerId, Stranger = stranger, StrangerId = strangerId, Ids = ids,
            AttachmentUrl = attachment.Headers.Location!.OriginalString,
        };
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
