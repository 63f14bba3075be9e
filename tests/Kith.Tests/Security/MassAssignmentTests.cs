using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Security;

/// <summary>
/// Mass assignment: a JSON body that carries, beside valid fields, one a client must not set (the id, the creation
/// stamp, the version, a role, a password hash, an owner the caller may not assign) is refused with a 400 naming the
/// field, on every create and update of the API; nothing is stored.
/// </summary>
public sealed class MassAssignmentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] s_smuggled =
        ["id", "createdAt", "createdBy", "createdById", "updatedAt", "version", "role", "passwordHash", "isAdmin", "deletedAt", "securityStamp"];

    private sealed record Write(string What, bool AsAdmin, HttpMethod Method, string Url, string Body, string ContentType = "application/json");

    private static IEnumerable<Write> Writes(SecurityWorld w)
    {
        const string Patch = "application/merge-patch+json";
        long customer = w["customer"];
        return
        [
            new("create customer", false, HttpMethod.Post, "/api/v1/customers", """{"name":"Li Na"}"""),
            new("patch customer", false, HttpMethod.Patch, $"/api/v1/customers/{customer}", """{"name":"Li Na"}""", Patch),
            new("create company", false, HttpMethod.Post, "/api/v1/companies", """{"name":"Acme"}"""),
            new("patch company", false, HttpMethod.Patch, $"/api/v1/companies/{w["company"]}", """{"name":"Acme"}""", Patch),
            new("log communication", false, HttpMethod.Post, "/api/v1/communications", $$"""{"customerId":{{customer}},"channel":"email","content":"x"}"""),
            new("change communication", false, HttpMethod.Put, $"/api/v1/communications/{w["communication"]}", $$"""{"customerId":{{customer}},"channel":"email","content":"x"}"""),
            new("create task", false, HttpMethod.Post, "/api/v1/tasks", """{"title":"Call back"}"""),
            new("change task", false, HttpMethod.Put, $"/api/v1/tasks/{w["task"]}", """{"title":"Call back"}"""),
            new("open case", false, HttpMethod.Post, "/api/v1/cases", $$"""{"subject":"Broken","customerId":{{customer}}}"""),
            new("change case", false, HttpMethod.Patch, $"/api/v1/cases/{w["case"]}", """{"subject":"Broken"}""", Patch),
            new("record feedback", false, HttpMethod.Post, "/api/v1/feedback", $$"""{"customerId":{{customer}},"kind":"csat","score":4}"""),
            new("save view", false, HttpMethod.Post, "/api/v1/saved-views", """{"entity":"customer","name":"Mine"}"""),
            new("connect mailbox", false, HttpMethod.Post, "/api/v1/mailboxes", """{"name":"M","address":"m@example.com","imapHost":"imap.example.com","smtpHost":"smtp.example.com","password":"pw","syncEnabled":false}"""),
            new("change mailbox", false, HttpMethod.Put, $"/api/v1/mailboxes/{w["mailbox"]}", """{"name":"M","address":"m@example.com","imapHost":"imap.example.com","smtpHost":"smtp.example.com","syncEnabled":false}"""),
            new("create token", false, HttpMethod.Post, "/api/v1/tokens", """{"name":"script"}"""),
            new("record consent", false, HttpMethod.Post, $"/api/v1/customers/{customer}/consents", """{"purpose":"marketingEmail"}"""),
            new("create segment", true, HttpMethod.Post, "/api/v1/segments", """{"name":"Leads","filter":"stage eq lead"}"""),
            new("change segment", true, HttpMethod.Put, $"/api/v1/segments/{w["segment"]}", """{"name":"Leads","filter":"stage eq lead"}"""),
            new("create user", true, HttpMethod.Post, "/api/v1/users", """{"email":"new@staff.example","password":"correct horse battery staple"}"""),
            new("change user", true, HttpMethod.Patch, $"/api/v1/users/{w.StrangerId}", """{"displayName":"S"}"""),
            new("create custom field", true, HttpMethod.Post, "/api/v1/custom-fields", """{"entity":"customer","key":"k1","label":"K","type":"text"}"""),
            new("create mail template", true, HttpMethod.Post, "/api/v1/mail-templates", """{"name":"T","subject":"S","body":"B"}"""),
        ];
    }

    [Fact]
    public async Task AFieldAClientMustNotSetIsRefusedWith400NamingItOnEveryCreateAndUpdateAndNothingIsStored()
    {
        await using var w = await SecurityWorld.StartAsync();
        var failures = new List<string>();
        var writes = Writes(w).ToList();

        await DatabaseFingerprint.AssertUnchangedAsync(w.Host, "the smuggled fields", async () =>
        {
            foreach (var write in writes)
            foreach (var field in s_smuggled)
            {
                var body = JsonNode.Parse(write.Body)!.AsObject();
                if (body.ContainsKey(field)) continue;
                body[field] = field switch
                {
                    "role" => "admin",
                    "isAdmin" => true,
                    "passwordHash" or "securityStamp" => "AQAAAAIAAYagAAAAE",
                    "createdAt" or "updatedAt" or "deletedAt" => "2001-01-01T00:00:00Z",
                    _ => 424242,
                };
                if (write.What is "create user" && field == "role") continue; // a role is what an admin gives a new user
                if (write.What is "change user" && field == "role") continue;
                using var request = new HttpRequestMessage(write.Method, write.Url)
                {
                    Content = new StringContent(body.ToJsonString(), Encoding.UTF8, write.ContentType),
                };
                var response = await (write.AsAdmin ? w.Admin : w.Owner).SendAsync(request, Ct);
                var text = await response.Content.ReadAsStringAsync(Ct);
                if (response.StatusCode != HttpStatusCode.BadRequest || !text.Contains(field, StringComparison.OrdinalIgnoreCase))
                    failures.Add($"{write.What} with {field}: {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // The same bodies without the smuggled field are accepted: the refusals above are about the field.
        foreach (var write in writes.Where(x => x.Method != HttpMethod.Post || x.What is "create customer" or "create task"))
        {
            using var request = new HttpRequestMessage(write.Method, write.Url) { Content = new StringContent(write.Body, Encoding.UTF8, write.ContentType) };
            var response = await (write.AsAdmin ? w.Admin : w.Owner).SendAsync(request, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{write.What}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }

    [Fact]
    public async Task AnAgentWithoutTheAssignRightCannotGiveARecordOrAWorkItemToSomeoneElse()
    {
        await using var w = await SecurityWorld.StartAsync();
        var other = w.StrangerId;
        var attempts = new (string What, HttpMethod Method, string Url, string Body, string Type)[]
        {
            ("create customer for another owner", HttpMethod.Post, "/api/v1/customers", $$"""{"name":"Li Na","ownerId":{{other}}}""", "application/json"),
            ("hand a customer to another owner", HttpMethod.Patch, $"/api/v1/customers/{w["customer"]}", $$"""{"ownerId":{{other}}}""", "application/merge-patch+json"),
            ("create company for another owner", HttpMethod.Post, "/api/v1/companies", $$"""{"name":"Acme","ownerId":{{other}}}""", "application/json"),
            ("hand a company to another owner", HttpMethod.Patch, $"/api/v1/companies/{w["company"]}", $$"""{"ownerId":{{other}}}""", "application/merge-patch+json"),
            ("connect a mailbox for someone else", HttpMethod.Post, $"/api/v1/mailboxes?ownerId={other}",
                """{"name":"M","address":"m@example.com","imapHost":"imap.example.com","smtpHost":"smtp.example.com","password":"pw","syncEnabled":false}""", "application/json"),
            ("see another user's tokens", HttpMethod.Get, $"/api/v1/tokens?userId={other}", "", ""),
        };
        var failures = new List<string>();
        await DatabaseFingerprint.AssertUnchangedAsync(w.Host, "assigning to someone else", async () =>
        {
            foreach (var (what, method, url, body, type) in attempts)
            {
                using var request = new HttpRequestMessage(method, url) { Content = body.Length == 0 ? null : new StringContent(body, Encoding.UTF8, type) };
                var response = await w.Owner.SendAsync(request, Ct);
                if ((int)response.StatusCode is not (400 or 403 or 404))
                    failures.Add($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
