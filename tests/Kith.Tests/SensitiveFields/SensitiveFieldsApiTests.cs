using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.SensitiveFields;
using Kith.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.SensitiveFields;

/// <summary>Sensitive fields through the real host: marking, plain reads, equality filters, imports, and what is refused.</summary>
public sealed class SensitiveFieldsApiTests
{
    private const string Phone = "+8613800138000";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AfterMarkingPhoneSensitiveTheApiReadsFiltersAndImportsByPhoneButRefusesSubstringFilters()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);

        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync("/api/v1/sensitive-fields/phone", new { sensitive = true }, Ct)).StatusCode);
        var marked = await admin.PutAsJsonAsync("/api/v1/sensitive-fields/phone", new { sensitive = true }, Ct);
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        var fields = (await marked.JsonAsync()).GetProperty("fields").EnumerateArray().ToList();
        Assert.True(fields.Single(f => f.GetProperty("field").GetString() == "phone").GetProperty("sensitive").GetBoolean());
        var unknown = await admin.PutAsJsonAsync("/api/v1/sensitive-fields/email", new { sensitive = true }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        var created = await (await admin.PostJsonAsync("/api/v1/customers", new { name = "王小明", phone = "138 0013 8000" })).JsonAsync();
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal(Phone, created.GetProperty("phone").GetString());
        await using (var db = host.OpenDb())
        {
            var stored = await db.Database.SqlQuery<string>($"SELECT phone AS \"Value\" FROM customers WHERE id = {id}").SingleAsync(Ct);
            Assert.StartsWith("enc:v1:k1:", stored);
        }
        Assert.Equal(Phone, (await (await admin.GetAsync($"/api/v1/customers/{id}", Ct)).JsonAsync()).GetProperty("phone").GetString());

        var list = await (await admin.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString($"phone eq {Phone}"), Ct)).JsonAsync();
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(Phone, item.GetProperty("phone").GetString());

        var substring = await admin.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString("phone contains 0013"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, substring.StatusCode);
        Assert.Equal("application/problem+json", substring.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'phone' is encrypted: only equality filters", (await substring.JsonAsync()).GetProperty("detail").GetString());

        // An import recognises the person by their phone (and name) although the stored phone is sealed.
        var csv = new ByteArrayContent(Encoding.UTF8.GetBytes("name,phone,city\n王小明,13800138000,上海\n"));
        csv.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var queued = await admin.PostAsync("/api/v1/imports/customers?region=CN&matchBy=phone", csv, Ct);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var job = await ImportsApiTests.FinishedAsync(admin, queued.Headers.Location!.OriginalString);
        Assert.Equal(0, job.GetProperty("created").GetInt32());
        var after = await (await admin.GetAsync($"/api/v1/customers/{id}", Ct)).JsonAsync();
        Assert.Equal("上海", after.GetProperty("city").GetString());
        Assert.Equal(Phone, after.GetProperty("phone").GetString());

        var keys = await admin.GetAsync("/api/v1/sensitive-fields/keys", Ct);
        var keyFile = await File.ReadAllTextAsync(FieldKeyRing.PathFor(host.Database.Options), Ct);
        var secret = JsonDocument.Parse(keyFile).RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!;
        var status = await keys.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(secret, status);
        Assert.Equal(1, JsonDocument.Parse(status).RootElement.GetProperty("valuesByKey").GetProperty("k1").GetInt32());
    }

    [Fact]
    public async Task ASealedPhoneCopiedOntoAnotherCustomerAnswersAClearConflictNotAServerError()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/sensitive-fields/phone", new { sensitive = true }, Ct)).StatusCode);
        var victim = (await (await admin.PostJsonAsync("/api/v1/customers", new { name = "Victim", phone = Phone })).JsonAsync()).GetProperty("id").GetInt64();
        var other = (await (await admin.PostJsonAsync("/api/v1/customers", new { name = "Other" })).JsonAsync()).GetProperty("id").GetInt64();
        await using (var db = host.OpenDb())
        {
            var stored = await db.Database.SqlQuery<string>($"SELECT phone AS \"Value\" FROM customers WHERE id = {victim}").SingleAsync(Ct);
            await db.Database.ExecuteSqlAsync($"UPDATE customers SET phone = {stored} WHERE id = {other}", Ct);
        }

        var response = await admin.GetAsync($"/api/v1/customers/{other}", Ct);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"The phone of customers record {other} is encrypted but cannot be read", (await response.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(Phone, (await (await admin.GetAsync($"/api/v1/customers/{victim}", Ct)).JsonAsync()).GetProperty("phone").GetString());
    }
}
