using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kith.Core.Feedback;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Exporting;
using Kith.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Identity;

/// <summary>
/// Field-level security beyond the customer record: a phone, an email and a custom field hidden from the agent and
/// manager roles show no value in the personal-data export of the person, in cases, in feedback and surveys, or in
/// imports (the preview, the report, the refused rows, the revert), while an admin finds them on the same paths.
/// </summary>
public sealed class FieldSecurityInRelatedDataTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Secret = "lilac-ledger";

    /// <summary>Every phone of the test holds "0013", every customer email is at kunlun.example.</summary>
    private static bool HasHiddenValue(string text) =>
        text.Contains("0013", StringComparison.Ordinal) || text.Contains("kunlun", StringComparison.OrdinalIgnoreCase)
        || text.Contains(Secret, StringComparison.Ordinal);

    /// <summary>
    /// Matched by external id, it changes the customer (so the import keeps her earlier phone to revert to); two rows
    /// are refused, one for its email (its phone is fine), one for its phone (the reason quotes it).
    /// </summary>
    private const string AdminFile =
        "externalId,name,email,phone,vip_note,city\n" +
        "WF-1,Wang Fang,wang.fang@kunlun.example,+86 139 0013 9555,lilac-ledger-2,Suzhou\n" +
        ",Wang Fang,not-an-email,+86 139 0013 9666,lilac-ledger-3,Hangzhou\n" +
        ",Wang Fang,wang2@kunlun.example,139#0013#9777,lilac-ledger-4,Ningbo\n";

    internal static ByteArrayContent Csv(string csv)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    internal static async Task<string> OkTextAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        return text;
    }

    /// <summary>Every file of the personal-data zip as text, by name.</summary>
    internal static async Task<Dictionary<string, string>> PersonalDataAsync(HttpClient client, long customer)
    {
        var response = await client.GetAsync($"/api/v1/customers/{customer}/personal-data", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(Ct));
        var files = new Dictionary<string, string>();
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            files[entry.FullName] = await reader.ReadToEndAsync(Ct);
        }
        return files;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task HiddenFieldsShowNoValueInThePersonalDataExportCasesFeedbackAndImportsWhileAnAdminSeesThem(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, manager) = await host.UserWithClientAsync(Role.Manager);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/custom-fields",
            new { entity = "customer", key = "vip_note", label = "VIP note", type = "text" })).StatusCode);
        foreach (var role in new[] { "agent", "manager" })
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/roles/{role}/fields", new object[]
            {
                new { entity = "customer", field = "phone", restriction = "hidden" },
                new { entity = "customer", field = "email", restriction = "hidden" },
                new { entity = "customer", field = "cf.vip_note", restriction = "hidden" },
            }, KithTestHost.Json, Ct)).StatusCode);

        var created = await admin.PostJsonAsync("/api/v1/customers", new
        {
            externalId = "WF-1", name = "Wang Fang", email = "wang.fang@kunlun.example", phone = "+86 138 0013 8000", city = "Shanghai", ownerId = agentId,
            customFields = new Dictionary<string, object> { ["vip_note"] = Secret },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var customer = (await created.JsonAsync()).GetProperty("id").GetInt64();
        var patch = new StringContent("""{"phone":"+86 139 0013 9000"}""", Encoding.UTF8, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsync($"/api/v1/customers/{customer}", patch, Ct)).StatusCode);

        // An import by the admin: the agent's customer changed by it, two rows refused.
        var started = await admin.PostAsync("/api/v1/imports/customers?region=CN&fileName=people.csv", Csv(AdminFile), Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!.OriginalString;
        var job = await ImportsApiTests.FinishedAsync(admin, location);
        Assert.True(("completed", 1L, 2L) == (job.GetProperty("status").GetString(), job.GetProperty("updated").GetInt64() + job.GetProperty("merged").GetInt64(),
            job.GetProperty("rejected").GetInt64()), job.GetRawText());

        // A case and feedback on the customer, and a survey sent to her email.
        Assert.Equal(HttpStatusCode.Created, (await agent.PostJsonAsync("/api/v1/cases", new { subject = "Call her back", customerId = customer })).StatusCode);
        var feedback = await agent.PostJsonAsync("/api/v1/feedback", new { customerId = customer, kind = "csat", score = 4, comment = "Friendly" });
        Assert.Equal(HttpStatusCode.Created, feedback.StatusCode);
        var feedbackId = (await feedback.JsonAsync()).GetProperty("id").GetInt64();
        await using (var db = host.OpenDb())
        {
            var now = DateTime.UtcNow;
            db.FeedbackSurveys.Add(new FeedbackSurvey
            {
                CustomerId = customer, Kind = FeedbackKind.Csat, AgentId = agentId, TokenHash = new string('a', 64), SentTo = "wang.fang@kunlun.example",
                SentAt = now, ExpiresAt = now.AddDays(30), CreatedByUserId = agentId,
            });
            await db.SaveChangesAsync(Ct);
        }

        var failures = new List<string>();
        void Check(string path, bool ok)
        {
            if (!ok) failures.Add(path);
        }

        // The personal-data export: no column, change or image of the hidden fields, in the JSON and in every CSV.
        var mine = await PersonalDataAsync(agent, customer);
        foreach (var (name, text) in mine) Check($"personal data {name} (agent)", !HasHiddenValue(text));
        var document = JsonDocument.Parse(mine["personal-data.json"]).RootElement.GetProperty("data");
        var row = document.GetProperty("customer")[0];
        Check("personal data customer row keeps the city (agent)", row.GetProperty("city").GetString() == "Suzhou");
        Check("personal data customer row has no phone column (agent)", !row.TryGetProperty("phone", out _) && !row.TryGetProperty("phone_is_valid", out _));
        Check("personal data keeps the import's refused rows (agent)", document.GetProperty("import_rejections").GetArrayLength() == 2);
        var all = await PersonalDataAsync(admin, customer);
        Check("personal data holds every hidden value (admin)",
            all["personal-data.json"].Contains("+8613900139000", StringComparison.Ordinal) && all["personal-data.json"].Contains("139 0013 9666", StringComparison.Ordinal)
            && all["personal-data.json"].Contains("wang.fang@kunlun.example", StringComparison.Ordinal) && all["customer.csv"].Contains("lilac-ledger-2", StringComparison.Ordinal)
            && all["surveys.csv"].Contains("kunlun", StringComparison.Ordinal));

        // Cases and feedback.
        foreach (var url in new[]
                 {
                     "/api/v1/cases", $"/api/v1/cases?customerId={customer}", $"/api/v1/feedback?customerId={customer}", $"/api/v1/feedback/{feedbackId}",
                     $"/api/v1/feedback/surveys?customerId={customer}", "/api/v1/feedback/summary?groupBy=customer",
                 })
        {
            var text = await OkTextAsync(agent, url);
            Check($"{url} (agent)", !HasHiddenValue(text) && (url.Contains("surveys", StringComparison.Ordinal) || text.Contains("Wang Fang", StringComparison.Ordinal)));
        }
        var cases = JsonDocument.Parse(await OkTextAsync(agent, "/api/v1/cases")).RootElement.GetProperty("items");
        Check("case detail (agent)", !HasHiddenValue(await OkTextAsync(agent, $"/api/v1/cases/{cases[0].GetProperty("id").GetInt64()}")));
        Check("surveys (admin)", (await OkTextAsync(admin, $"/api/v1/feedback/surveys?customerId={customer}")).Contains("wang.fang@kunlun.example", StringComparison.Ordinal));

        // The admin's import, read by a manager: counts and lines stay, the hidden columns' values and reasons go.
        var report = await OkTextAsync(manager, $"{location}/report");
        Check("import report (manager)", !HasHiddenValue(report));
        var reportJson = JsonDocument.Parse(report).RootElement;
        Check("import report keeps both refused lines (manager)", reportJson.GetProperty("errors").GetArrayLength() == 2);
        Check("import report maps no column to a hidden field (manager)", reportJson.GetProperty("summary").GetProperty("columns").EnumerateArray()
            .All(c => c.GetProperty("field").ValueKind == JsonValueKind.Null || c.GetProperty("field").GetString() is "externalId" or "name" or "city"));
        var rejected = await OkTextAsync(manager, $"{location}/rejected");
        Check("refused rows (manager)", !HasHiddenValue(rejected) && rejected.Contains("Hangzhou", StringComparison.Ordinal));
        Check("refused rows keep both rows (manager)", ExportApiTests.Csv(Encoding.UTF8.GetBytes(rejected)).Count == 3);
        Check("import report (admin)", (await OkTextAsync(admin, $"{location}/report")).Contains("139#0013#9777", StringComparison.Ordinal));
        Check("refused rows (admin)", (await OkTextAsync(admin, $"{location}/rejected")).Contains("+86 139 0013 9666", StringComparison.Ordinal));

        // The agent's own import: a column of a hidden field is not imported, nor shown in the preview or the report.
        const string agentFile = "name,phone,email,city\nLi Lei,+86 139 0013 9888,li.lei@kunlun.example,Xi'an\nZhao Min,+86 139 0013 9999,bad-address,Wuhan\n";
        var preview = await agent.PostAsync("/api/v1/imports/customers/preview?region=CN", Csv(agentFile), Ct);
        var previewText = await preview.Content.ReadAsStringAsync(Ct);
        Check("import preview (agent)", preview.StatusCode == HttpStatusCode.OK && !HasHiddenValue(previewText) && previewText.Contains("Xi'an", StringComparison.Ordinal));
        Check("import preview offers no hidden field (agent)", JsonDocument.Parse(previewText).RootElement.GetProperty("fields").EnumerateArray()
            .All(f => f.GetProperty("key").GetString() is not ("phone" or "email" or "customFields.vip_note")));
        var mapped = await agent.PostAsync("/api/v1/imports/customers/preview?map=phone=phone", Csv(agentFile), Ct);
        Check("mapping a column to a hidden field is refused (agent)", mapped.StatusCode == HttpStatusCode.BadRequest);
        var own = await agent.PostAsync("/api/v1/imports/customers?region=CN", Csv(agentFile), Ct);
        var ownLocation = own.Headers.Location!.OriginalString;
        var ownJob = await ImportsApiTests.FinishedAsync(agent, ownLocation);
        Check("the agent's import creates both people", ownJob.GetProperty("created").GetInt64() == 2);
        Check("the agent's import report (agent)", !HasHiddenValue(await OkTextAsync(agent, $"{ownLocation}/report")));
        Check("the agent's refused rows (agent)", !HasHiddenValue(await OkTextAsync(agent, $"{ownLocation}/rejected")));
        await using (var db = host.OpenDb())
            Check("the agent's import stored no hidden field", !await db.Customers.AnyAsync(c => (c.Name == "Li Lei" || c.Name == "Zhao Min") && (c.Phone != null || c.Email != null), Ct));

        // The revert answers the job alone, and puts back the phone the import changed.
        var revert = await manager.PostAsync($"{location}/revert", null, Ct);
        var revertText = await revert.Content.ReadAsStringAsync(Ct);
        Check("import revert (manager)", revert.StatusCode == HttpStatusCode.OK && !HasHiddenValue(revertText));
        var back = JsonDocument.Parse(await OkTextAsync(admin, $"/api/v1/customers/{customer}")).RootElement;
        Check("the revert restored the phone (admin)", back.GetProperty("phone").GetString() == "+8613900139000");

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
