using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Tests.Feedback;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Identity;

/// <summary>
/// An agent whose role hides the phone and the email and may only read the city: a duplicate pair found by the same
/// phone does not say so, a merge by the agent keeps the survivor's city (and phone), segments built on the phone are
/// absent for them (also from the customer's list of segments), emails and the personal-data export do not show the
/// customer's address, and sending a survey answers the same whether the customer has an email or not. An admin sees
/// all of it on the same paths.
/// </summary>
public sealed class FieldSecurityInDuplicatesSegmentsAndMailTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Phone = "+86 138 0013 8000";
    private const string Email = "wang.fang@kunlun.example";

    private static async Task<long> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostJsonAsync("/api/v1/customers", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.JsonAsync()).GetProperty("id").GetInt64();
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task HiddenAndReadOnlyFieldsLeakNeitherThroughDuplicatesMergesSegmentsEmailsNorSurveys(DatabaseProvider provider)
    {
        await using var smtp = new SmtpSink("kith@company.example", "smtp-pw");
        await using var host = await KithTestHost.StartAsync(provider, configure: KithTestHost.LocalMail);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/roles/agent/fields", new object[]
        {
            new { entity = "customer", field = "phone", restriction = "hidden" },
            new { entity = "customer", field = "email", restriction = "hidden" },
            new { entity = "customer", field = "city", restriction = "readOnly" },
        }, KithTestHost.Json, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/v1/admin/system-mail", JsonContent.Create(FeedbackApiTests.SystemMail(smtp.Port)), Ct)).StatusCode);

        // Two records of one person, found by the same phone; the survivor has no city, the other has one.
        var survivor = await CreateAsync(admin, new { name = "Wang Fang", phone = Phone, email = Email, ownerId = agentId });
        var other = await CreateAsync(admin, new { name = "Wang Fang", phone = Phone, city = "Suzhou", ownerId = agentId });
        var lonely = await CreateAsync(admin, new { name = "Li Lei", ownerId = agentId });
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/v1/duplicates/scan", null, Ct)).StatusCode);

        var failures = new List<string>();
        void Check(string what, bool ok)
        {
            if (!ok) failures.Add(what);
        }
        static bool Leaks(string text) => text.Contains("0013", StringComparison.Ordinal) || text.Contains("kunlun", StringComparison.OrdinalIgnoreCase);

        // Duplicates: the pair stays, without the reason that names the hidden phone.
        var list = await FieldSecurityInRelatedDataTests.OkTextAsync(agent, "/api/v1/duplicates");
        var pair = JsonDocument.Parse(list).RootElement.GetProperty("items")[0];
        var reasons = pair.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
        Check("list reasons (agent)", !Leaks(list) && !reasons.Contains("same phone") && reasons.Contains("same name"));
        var detail = await FieldSecurityInRelatedDataTests.OkTextAsync(agent, $"/api/v1/duplicates/{pair.GetProperty("id").GetInt64()}");
        Check("pair reasons (agent)", !Leaks(detail) && !detail.Contains("same phone", StringComparison.Ordinal));
        Check("pair reasons (admin)", (await FieldSecurityInRelatedDataTests.OkTextAsync(admin, $"/api/v1/duplicates/{pair.GetProperty("id").GetInt64()}")).Contains("same phone", StringComparison.Ordinal));
        var personal = await FieldSecurityInRelatedDataTests.PersonalDataAsync(agent, survivor);
        Check("personal-data duplicate pairs (agent)", !personal["personal-data.json"].Contains("same phone", StringComparison.Ordinal));

        // A merge by the agent cannot choose the city or the phone, and keeps the survivor's (empty) city.
        var chooseCity = await agent.PostJsonAsync($"/api/v1/customers/{survivor}/merge", new { mergeId = other, fields = new { city = "other" } });
        Check("choosing a read-only field is a 400 naming it", chooseCity.StatusCode == HttpStatusCode.BadRequest
            && (await chooseCity.JsonAsync()).GetProperty("errors").TryGetProperty("fields.city", out _));
        var choosePhone = await agent.PostJsonAsync($"/api/v1/customers/{survivor}/merge", new { mergeId = other, fields = new { phone = "other" } });
        Check("choosing a hidden field is a 400", choosePhone.StatusCode == HttpStatusCode.BadRequest && !Leaks(await choosePhone.Content.ReadAsStringAsync(Ct)));
        var merged = await agent.PostJsonAsync($"/api/v1/customers/{survivor}/merge", new { mergeId = other });
        var mergedText = await merged.Content.ReadAsStringAsync(Ct);
        Check("the agent's merge", merged.StatusCode == HttpStatusCode.OK && !Leaks(mergedText));
        await using (var db = host.OpenDb())
        {
            var kept = await db.Customers.AsNoTracking().FirstAsync(c => c.Id == survivor, Ct);
            Check("the merge kept the survivor's city and email", kept.City is null && kept.Email == Email);
        }

        // Segments: one on the hidden phone is absent for the agent, one on names is not.
        var onPhone = await admin.PostJsonAsync("/api/v1/segments", new { name = "Has a phone", filter = "phone notnull" });
        var onName = await admin.PostJsonAsync("/api/v1/segments", new { name = "The Wangs", filter = "name startswith Wang" });
        Assert.True((onPhone.StatusCode, onName.StatusCode) == (HttpStatusCode.Created, HttpStatusCode.Created), await onPhone.Content.ReadAsStringAsync(Ct));
        var phoneSegment = (await onPhone.JsonAsync()).GetProperty("id").GetInt64();
        foreach (var id in new[] { phoneSegment, (await onName.JsonAsync()).GetProperty("id").GetInt64() })
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/segments/{id}/refresh", null, Ct)).StatusCode);
        var mine = JsonDocument.Parse(await FieldSecurityInRelatedDataTests.OkTextAsync(agent, $"/api/v1/customers/{survivor}/segments")).RootElement;
        Check("the customer's segments (agent)", mine.EnumerateArray().Select(s => s.GetProperty("name").GetString()).SequenceEqual(["The Wangs"]));
        Check("the customer's segments (admin)", JsonDocument.Parse(await FieldSecurityInRelatedDataTests.OkTextAsync(admin, $"/api/v1/customers/{survivor}/segments")).RootElement.GetArrayLength() == 2);
        var segments = await FieldSecurityInRelatedDataTests.OkTextAsync(agent, "/api/v1/segments");
        Check("segment list (agent)", !segments.Contains("Has a phone", StringComparison.Ordinal) && segments.Contains("The Wangs", StringComparison.Ordinal));
        Check("segment by id (agent)", (await agent.GetAsync($"/api/v1/segments/{phoneSegment}", Ct)).StatusCode == HttpStatusCode.NotFound);
        Check("segment changes (agent)", (await agent.GetAsync($"/api/v1/segments/{phoneSegment}/changes", Ct)).StatusCode == HttpStatusCode.NotFound);
        Check("segment by id (admin)", (await admin.GetAsync($"/api/v1/segments/{phoneSegment}", Ct)).StatusCode == HttpStatusCode.OK);

        // An email with the customer: the agent sees it without her address, in the emails and in the export.
        await using (var db = host.OpenDb())
        {
            var now = DateTime.UtcNow;
            var communication = new Communication
            {
                CustomerId = survivor, Channel = "email", Direction = Direction.Inbound, OccurredAt = now, Subject = "Order", Content = "Hello",
                CreatedAt = now, CreatedByKind = ActorKind.System,
            };
            var message = new EmailMessage
            {
                MessageId = "<m1@kunlun.example>", OwnerId = agentId, ThreadKey = "t1", FromAddress = Email, FromName = "Wang Fang",
                ToAddresses = "sales@company.example", CcAddresses = $"boss@company.example, {Email}", Subject = "Order", SentAt = now,
                Direction = Direction.Inbound, Visibility = MailVisibility.CustomerReach, CreatedAt = now,
            };
            db.Communications.Add(communication);
            db.EmailMessages.Add(message);
            await db.SaveChangesAsync(Ct);
            db.EmailLinks.Add(new EmailLink { CommunicationId = communication.Id, EmailMessageId = message.Id, CustomerId = survivor });
            await db.SaveChangesAsync(Ct);
        }
        var emails = await FieldSecurityInRelatedDataTests.OkTextAsync(agent, $"/api/v1/customers/{survivor}/emails");
        Check("emails (agent)", !emails.Contains(Email, StringComparison.Ordinal) && emails.Contains("boss@company.example", StringComparison.Ordinal));
        Check("emails (admin)", (await FieldSecurityInRelatedDataTests.OkTextAsync(admin, $"/api/v1/customers/{survivor}/emails")).Contains(Email, StringComparison.Ordinal));
        var draft = await agent.PostJsonAsync($"/api/v1/customers/{survivor}/emails/preview", new { subject = "Hello", body = "Hi" });
        Check("writing to her (agent) is refused, whatever her address", draft.StatusCode == HttpStatusCode.BadRequest
            && (await draft.JsonAsync()).GetProperty("errors").TryGetProperty("to", out _));
        personal = await FieldSecurityInRelatedDataTests.PersonalDataAsync(agent, survivor);
        foreach (var (name, text) in personal) Check($"personal data {name} (agent)", !text.Contains(Email, StringComparison.Ordinal));
        Check("personal data keeps the message (agent)", personal["personal-data.json"].Contains("boss@company.example", StringComparison.Ordinal));
        var adminMessage = JsonDocument.Parse((await FieldSecurityInRelatedDataTests.PersonalDataAsync(admin, survivor))["personal-data.json"]).RootElement.GetProperty("data").GetProperty("email_messages")[0];
        Check("personal data email (admin)", adminMessage.GetProperty("from_address").GetString() == Email);

        // Surveys: the same answer with and without an email; who may see the email sees that nothing was sent.
        var toEmail = await agent.PostJsonAsync("/api/v1/feedback/surveys", new { customerId = survivor, kind = "csat", language = "en" });
        var toNobody = await agent.PostJsonAsync("/api/v1/feedback/surveys", new { customerId = lonely, kind = "csat", language = "en" });
        var shapeWith = await toEmail.Content.ReadAsStringAsync(Ct);
        var shapeWithout = await toNobody.Content.ReadAsStringAsync(Ct);
        Check("survey answers (agent)", (toEmail.StatusCode, toNobody.StatusCode) == (HttpStatusCode.Created, HttpStatusCode.Created)
            && Keys(shapeWith).SequenceEqual(Keys(shapeWithout)) && !Leaks(shapeWith + shapeWithout) && !shapeWithout.Contains("Nothing was sent", StringComparison.Ordinal));
        Check("one survey mailed", smtp.Messages.Count == 1);
        var surveys = await FieldSecurityInRelatedDataTests.OkTextAsync(admin, $"/api/v1/feedback/surveys?customerId={lonely}");
        Check("the unsent survey (admin)", surveys.Contains("Nothing was sent", StringComparison.Ordinal));
        Check("the unsent survey (agent)", !(await FieldSecurityInRelatedDataTests.OkTextAsync(agent, $"/api/v1/feedback/surveys?customerId={lonely}")).Contains("Nothing was sent", StringComparison.Ordinal));
        Check("a survey to no email (admin) is refused", (await admin.PostJsonAsync("/api/v1/feedback/surveys", new { customerId = lonely, kind = "csat" })).StatusCode == HttpStatusCode.BadRequest);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The property names and value kinds of an answer: its shape, without the values that differ anyway (ids, times).</summary>
    private static IEnumerable<string> Keys(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => $"{p.Name}:{p.Value.ValueKind}");
}
