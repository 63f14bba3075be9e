using System.Net;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Companies;

public sealed class CompaniesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Json(HttpMethod method, string url, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    [Fact]
    public async Task ACompanyIsCreatedPatchedDeletedAndRestoredAndRenamingItFindsItsCustomersByTheNewName()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        var created = await client.PostJsonAsync("/api/v1/companies", new { name = "Acme", domain = "https://www.Acme.example/about", phone = "021 6888 8888", externalId = "C-1" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var company = await created.JsonAsync();
        var id = company.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/companies/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("www.acme.example", company.GetProperty("domain").GetString());
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);

        var customer = await (await client.PostJsonAsync("/api/v1/customers", new { name = "Worker", companyId = id })).JsonAsync();
        Assert.Equal("Acme", customer.GetProperty("companyName").GetString());

        var renamed = await client.SendAsync(Json(HttpMethod.Patch, $"/api/v1/companies/{id}", """{"name":"Globex 环球"}""", "\"1\""), Ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("\"2\"", renamed.Headers.ETag?.Tag);
        var found = await (await client.GetAsync("/api/v1/customers?q=环球", Ct)).JsonAsync();
        Assert.Equal(customer.GetProperty("id").GetInt64(), Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        Assert.Equal(0, (await (await client.GetAsync("/api/v1/customers?q=acme", Ct)).JsonAsync()).GetProperty("total").GetInt64());

        var members = await (await client.GetAsync($"/api/v1/companies/{id}/customers?limit=10", Ct)).JsonAsync();
        Assert.Equal(1, members.GetProperty("total").GetInt64());
        Assert.Equal(1, (await (await client.GetAsync($"/api/v1/companies/{id}", Ct)).JsonAsync()).GetProperty("customerCount").GetInt32());
        Assert.Equal(id, (await (await client.GetAsync("/api/v1/companies/by-external-id/C-1", Ct)).JsonAsync()).GetProperty("id").GetInt64());
        var list = await (await client.GetAsync("/api/v1/companies?q=globex&sort=name", Ct)).JsonAsync();
        Assert.Equal(1, list.GetProperty("total").GetInt64());

        Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(Json(HttpMethod.Patch, $"/api/v1/companies/{id}", """{"city":"x"}""", "\"1\""), Ct)).StatusCode);
        var history = await (await client.GetAsync($"/api/v1/companies/{id}/history", Ct)).JsonAsync();
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("field").GetString() == "name" && h.GetProperty("oldValue").GetString() == "Acme");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/companies/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/companies/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/companies/{id}/customers", Ct)).StatusCode);
        Assert.Single((await (await client.GetAsync("/api/v1/companies/deleted", Ct)).JsonAsync()).EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/companies/{id}/restore", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task AnotherOwnersCompanyIsNotFoundOnEveryPathForAnAgentOutsideTheTeamButVisibleToATeammateAndAnAdmin()
    {
        await using var host = await KithTestHost.StartAsync();
        var (ownerId, owner) = await host.UserWithClientAsync(Role.Agent);
        var (mateId, mate) = await host.UserWithClientAsync(Role.Agent);
        var (_, outsider) = await host.UserWithClientAsync(Role.Agent);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        await host.AddToTeamAsync("west", ownerId, mateId);
        var id = (await (await owner.PostJsonAsync("/api/v1/companies", new { name = "Hidden Holdings", externalId = "H-1" })).JsonAsync()).GetProperty("id").GetInt64();
        var deletedId = (await (await owner.PostJsonAsync("/api/v1/companies", new { name = "Hidden Deleted" })).JsonAsync()).GetProperty("id").GetInt64();
        await owner.DeleteAsync($"/api/v1/companies/{deletedId}", Ct);

        foreach (var (method, url, json) in new (HttpMethod, string, string?)[]
                 {
                     (HttpMethod.Get, $"/api/v1/companies/{id}", null),
                     (HttpMethod.Patch, $"/api/v1/companies/{id}", """{"city":"x"}"""),
                     (HttpMethod.Delete, $"/api/v1/companies/{id}", null),
                     (HttpMethod.Get, $"/api/v1/companies/{id}/history", null),
                     (HttpMethod.Get, $"/api/v1/companies/{id}/customers", null),
                     (HttpMethod.Get, "/api/v1/companies/by-external-id/H-1", null),
                     (HttpMethod.Post, $"/api/v1/companies/{deletedId}/restore", null),
                 })
        {
            var response = await outsider.SendAsync(json is null ? new HttpRequestMessage(method, url) : Json(method, url, json), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {url}: {response.StatusCode}");
        }
        Assert.Equal(0, (await (await outsider.GetAsync("/api/v1/companies?q=hidden", Ct)).JsonAsync()).GetProperty("total").GetInt64());
        var link = await outsider.PostJsonAsync("/api/v1/customers", new { name = "Sneaky", companyId = id });
        Assert.Equal(HttpStatusCode.BadRequest, link.StatusCode);
        foreach (var reader in new[] { mate, admin })
            Assert.Equal(1, (await (await reader.GetAsync("/api/v1/companies?q=hidden", Ct)).JsonAsync()).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task BadCompanyInputIsA400AndNothingIsStored()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, client) = await host.UserWithClientAsync(Role.Agent);
        foreach (var (json, field) in new[]
                 {
                     ("""{"name":"A","domain":"not a domain"}""", "domain"),
                     ("""{"name":"A","employees":"many"}""", "employees"),
                     ("""{"name":"A","employees":-1}""", "employees"),
                     ("""{"name":"A","email":"x@"}""", "email"),
                     ("""{"name":"A","revenue":5}""", "revenue"),
                     ($$"""{"name":"{{new string('n', 300)}}"}""", "name"),
                 })
        {
            var response = await client.SendAsync(Json(HttpMethod.Post, "/api/v1/companies", json), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, json);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), json);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/companies?filter=stage%20eq%20lead", Ct)).StatusCode);
        await using var db = host.OpenDb();
        Assert.Equal(0, await db.Companies.CountAsync(Ct));
    }
}
