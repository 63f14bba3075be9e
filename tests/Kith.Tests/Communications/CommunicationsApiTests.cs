using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Communications;

public sealed class CommunicationsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<long> CustomerAsync(HttpClient client, string name = "王芳")
    {
        var response = await client.PostJsonAsync("/api/v1/customers", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetInt64();
    }

    private static HttpRequestMessage Post(string json, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/communications") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static async Task<int> CountAsync(KithTestHost host)
    {
        await using var db = host.OpenDb();
        return await db.Communications.CountAsync(Ct);
    }

    [Fact]
    public async Task ChannelsAndOutcomesAreListedInEnglishAndChineseAndOnlyAnAdminAddsOrDisablesThem()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);

        var channels = await (await agent.GetAsync("/api/v1/channels", Ct)).JsonAsync();
        var keys = channels.EnumerateArray().Select(c => c.GetProperty("key").GetString()).ToList();
        foreach (var k in new[] { "phone", "email", "sms", "wechat", "weibo", "whatsapp", "meeting", "video", "chat", "other" }) Assert.Contains(k, keys);
        Assert.Equal("微信", channels.EnumerateArray().First(c => c.GetProperty("key").GetString() == "wechat").GetProperty("nameZh").GetString());
        var outcomes = await (await agent.GetAsync("/api/v1/outcomes", Ct)).JsonAsync();
        Assert.Contains("follow_up", outcomes.EnumerateArray().Select(c => c.GetProperty("key").GetString()));

        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostJsonAsync("/api/v1/channels", new { key = "line", nameEn = "LINE" })).StatusCode);
        var added = await admin.PostJsonAsync("/api/v1/channels", new { key = "line", nameEn = "LINE", nameZh = "LINE" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var bad = await admin.PostJsonAsync("/api/v1/channels", new { key = "Bad Key!", nameEn = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("key", out _));

        var customer = await CustomerAsync(agent);
        Assert.Equal(HttpStatusCode.Created, (await agent.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "line" })).StatusCode);
        var disabled = await admin.PutAsync("/api/v1/channels/line", JsonContent(new { nameEn = "LINE", isEnabled = false }), Ct);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.DoesNotContain("line", (await (await agent.GetAsync("/api/v1/channels", Ct)).JsonAsync()).EnumerateArray().Select(c => c.GetProperty("key").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "line" })).StatusCode);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body, KithTestHost.Json), Encoding.UTF8, "application/json");

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKeyAnswers200WithTheSameRecordAndADifferentBodyAnswers422()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var (_, other) = await host.UserWithClientAsync(Role.Admin);
        var customer = await CustomerAsync(client);
        var body = $$"""{"customerId":{{customer}},"channel":"phone","direction":"inbound","occurredAt":"2026-03-01T10:00:00+08:00","durationSeconds":61,"subject":"Missed delivery","outcome":"complaint"}""";

        var first = await client.SendAsync(Post(body, "pbx-call-77"), Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.JsonAsync();
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/communications/{id}", first.Headers.Location?.OriginalString);
        Assert.Equal("2026-03-01T02:00:00Z", created.GetProperty("occurredAt").GetString());
        Assert.Equal("inbound", created.GetProperty("direction").GetString());

        var retry = await client.SendAsync(Post(body, "pbx-call-77"), Ct);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(id, (await retry.JsonAsync()).GetProperty("id").GetInt64());
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());

        var changed = await client.SendAsync(Post(body.Replace("Missed delivery", "Something else"), "pbx-call-77"), Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, changed.StatusCode);
        Assert.Equal("application/problem+json", changed.Content.Headers.ContentType?.MediaType);

        // A key is the sender's own: another user's same key is a new request.
        Assert.Equal(HttpStatusCode.Created, (await other.SendAsync(Post(body, "pbx-call-77"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post(body), Ct)).StatusCode);
        Assert.Equal(3, await CountAsync(host));

        var get = await (await client.GetAsync($"/api/v1/communications/{id}", Ct)).JsonAsync();
        Assert.Equal("Missed delivery", get.GetProperty("subject").GetString());
    }

    [Theory]
    [InlineData("""{"customerId":CUSTOMER,"channel":"pigeon"}""", "channel")]
    [InlineData("""{"customerId":CUSTOMER,"channel":"phone","direction":"sideways"}""", "direction")]
    [InlineData("""{"customerId":999999,"channel":"phone"}""", "customerId")]
    [InlineData("""{"customerId":STRANGER,"channel":"phone"}""", "customerId")]
    [InlineData("""{"customerId":CUSTOMER,"channel":"phone","content":"BIG"}""", "content")]
    [InlineData("""{"customerId":CUSTOMER,"channel":"phone","occurredAt":"yesterday-ish"}""", "occurredAt")]
    [InlineData("""{"customerId":CUSTOMER,"channel":"phone","occurredAt":"1066-10-14T09:00:00Z"}""", "occurredAt")]
    [InlineData("""{"customerId":CUSTOMER,"channel":"phone","outcome":"meh"}""", "outcome")]
    [InlineData("""{"customerId":CUSTOMER,"channel":"phone","durationSeconds":-5}""", "durationSeconds")]
    [InlineData("""{"customerId":CUSTOMER,"channel":"phone","followUp":{"title":""}}""", "followUp.title")]
    public async Task BadInputIsA400ThatNamesTheFieldAndStoresNothing(string template, string field)
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CustomerAsync(client);
        var theirs = await CustomerAsync(stranger, "Not yours");
        var json = template.Replace("CUSTOMER", customer.ToString()).Replace("STRANGER", theirs.ToString())
            .Replace("BIG", new string('字', 100_001));

        var response = await client.SendAsync(Post(json, "k-" + field), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        var text = problem.GetRawText();
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _)
                    || problem.GetProperty("detail").GetString()!.Contains(field, StringComparison.OrdinalIgnoreCase), text);
        Assert.Equal(0, await CountAsync(host));
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.Tasks.CountAsync(Ct));
    }

    [Fact]
    public async Task RichTextIsSanitisedOnTheServerAndPlainTextIsKeptAsTyped()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CustomerAsync(client);
        var html = await (await client.PostJsonAsync("/api/v1/communications", new
        {
            customerId = customer, channel = "chat", contentFormat = "html",
            content = "<h2>Order</h2><script>steal()</script><img src=\"https://x/a.png\" onerror=\"steal()\"><a href=\"javascript:steal()\">click</a><a href=\"https://example.com\">site</a>",
        })).JsonAsync();
        var content = html.GetProperty("content").GetString()!;
        Assert.Contains("<h2>Order</h2>", content);
        Assert.Contains("https://example.com", content);
        Assert.DoesNotContain("script", content);
        Assert.DoesNotContain("onerror", content);
        Assert.DoesNotContain("javascript:", content);

        var text = await (await client.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "sms", content = "<b>1 < 2</b>" })).JsonAsync();
        Assert.Equal("<b>1 < 2</b>", text.GetProperty("content").GetString());
        Assert.Equal("text", text.GetProperty("contentFormat").GetString());
    }

    [Fact]
    public async Task AttachmentsAreStoredUnderGeneratedNamesAndServedOnlyAsDownloads()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var (_, stranger) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CustomerAsync(client);
        var id = (await (await client.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "email" })).JsonAsync()).GetProperty("id").GetInt64();
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>";

        var upload = await client.PostAsync($"/api/v1/communications/{id}/attachments?fileName={Uri.EscapeDataString("../../报价 \"final\".svg")}",
            new StringContent(svg, Encoding.UTF8, "image/svg+xml"), Ct);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var attachment = await upload.JsonAsync();
        Assert.Equal("报价 final.svg", attachment.GetProperty("fileName").GetString());
        var files = Directory.GetFiles(Path.Combine(host.Database.Options.DataDirectory, "attachments"));
        Assert.Matches("^[0-9a-f]{32}$", Path.GetFileName(Assert.Single(files)));

        var download = await client.GetAsync(upload.Headers.Location, Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("报价 final.svg", download.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(svg, await download.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(upload.Headers.Location, Ct)).StatusCode);
        // Expect: 100-continue lets the server refuse by Content-Length before the client sends 10 MB into a closed socket.
        var tooBig = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/communications/{id}/attachments?fileName=big.bin") { Content = new ByteArrayContent(new byte[10 * 1024 * 1024 + 10]) };
        tooBig.Headers.ExpectContinue = true;
        var big = await client.SendAsync(tooBig, Ct);
        Assert.True(big.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, big.StatusCode.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(host.Database.Options.DataDirectory, "attachments")));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/communications/{id}", Ct)).StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(host.Database.Options.DataDirectory, "attachments")));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/communications/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task AnotherAgentsPrivateCommunicationIs404EverywhereWhileTheirManagerReadsIt()
    {
        await using var host = await KithTestHost.StartAsync();
        var (authorId, author) = await host.UserWithClientAsync(Role.Agent);
        var (mateId, mate) = await host.UserWithClientAsync(Role.Agent);
        var (managerId, manager) = await host.UserWithClientAsync(Role.Manager);
        await host.AddToTeamAsync("Sales", authorId, mateId, managerId);
        var customer = await CustomerAsync(author);
        var created = await author.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "email", subject = "Salary talk", visibility = "participants" });
        var id = (await created.JsonAsync()).GetProperty("id").GetInt64();
        await author.PostJsonAsync("/api/v1/communications", new { customerId = customer, channel = "phone", subject = "Open call" });

        Assert.Equal(HttpStatusCode.NotFound, (await mate.GetAsync($"/api/v1/communications/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mate.PutAsync($"/api/v1/communications/{id}", JsonContent(new { customerId = customer, channel = "email" }), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mate.DeleteAsync($"/api/v1/communications/{id}", Ct)).StatusCode);
        var mateTimeline = await (await mate.GetAsync($"/api/v1/customers/{customer}/timeline?type=communication", Ct)).JsonAsync();
        Assert.Equal(["Open call"], mateTimeline.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync($"/api/v1/communications/{id}", Ct)).StatusCode);
        var managerTimeline = await (await manager.GetAsync($"/api/v1/customers/{customer}/timeline?type=communication", Ct)).JsonAsync();
        Assert.Equal(2, managerTimeline.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ACommunicationIsEditedAndItsFollowUpTaskCreatedWithIt()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var customer = await CustomerAsync(client);
        var created = await (await client.PostJsonAsync("/api/v1/communications", new
        {
            customerId = customer, channel = "meeting", subject = "Visit", followUp = new { title = "Send brochure", dueAt = "2026-12-01T09:00:00Z" },
        })).JsonAsync();
        var id = created.GetProperty("id").GetInt64();
        var taskId = created.GetProperty("followUpTaskId").GetInt64();
        var task = await (await client.GetAsync($"/api/v1/tasks/{taskId}", Ct)).JsonAsync();
        Assert.Equal(id, task.GetProperty("communicationId").GetInt64());
        Assert.Equal(customer, task.GetProperty("customerId").GetInt64());

        var put = await client.PutAsync($"/api/v1/communications/{id}", JsonContent(new { customerId = customer, channel = "video", subject = "Visit (online)", outcome = "interested" }), Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var updated = await put.JsonAsync();
        Assert.Equal(("video", "interested"), (updated.GetProperty("channel").GetString(), updated.GetProperty("outcome").GetString()));
        Assert.NotEqual(JsonValueKind.Null, updated.GetProperty("updatedAt").ValueKind);
    }
}
