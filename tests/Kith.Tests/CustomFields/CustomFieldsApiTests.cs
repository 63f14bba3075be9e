using System.Net;
using System.Text;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.CustomFields;

public sealed class CustomFieldsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAdminDefinesFieldsThatCustomersCarryFilterAndSortByWhileOthersMayOnlyReadThem()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);

        var tier = await admin.PostJsonAsync("/api/v1/custom-fields", new { entity = "customer", key = "tier", label = "Tier", type = "choice", choices = new[] { "gold", "silver" } });
        Assert.Equal(HttpStatusCode.Created, tier.StatusCode);
        var tierId = (await tier.JsonAsync()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/custom-fields", new { entity = "customer", key = "spend", label = "Spend", type = "number" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostJsonAsync("/api/v1/custom-fields", new { entity = "customer", key = "tier", label = "Again", type = "text" })).StatusCode);
        var badKey = await admin.PostJsonAsync("/api/v1/custom-fields", new { entity = "customer", key = "Bad Key!", label = "x", type = "text" });
        Assert.True((await badKey.JsonAsync()).GetProperty("errors").TryGetProperty("key", out _));

        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostJsonAsync("/api/v1/custom-fields", new { entity = "customer", key = "mine", label = "Mine", type = "text" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.DeleteAsync($"/api/v1/custom-fields/{tierId}", Ct)).StatusCode);
        var listed = await (await agent.GetAsync("/api/v1/custom-fields?entity=customer", Ct)).JsonAsync();
        Assert.Equal(2, listed.GetArrayLength());

        foreach (var (cf, field) in new[] { ("""{"tier":"bronze"}""", "customFields.tier"), ("""{"spend":"lots"}""", "customFields.spend"), ("""{"colour":"red"}""", "customFields.colour") })
        {
            var response = await agent.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/customers")
            { Content = new StringContent($$"""{"name":"X","customFields":{{cf}}}""", Encoding.UTF8, "application/json") }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), cf);
        }
        await agent.PostJsonAsync("/api/v1/customers", new { name = "Gold One", customFields = new Dictionary<string, object> { ["tier"] = "gold", ["spend"] = 120.5 } });
        await agent.PostJsonAsync("/api/v1/customers", new { name = "Silver One", customFields = new Dictionary<string, object> { ["tier"] = "silver", ["spend"] = 80 } });
        var gold = await (await agent.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString("cf.tier eq gold"), Ct)).JsonAsync();
        Assert.Equal("Gold One", Assert.Single(gold.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        var sorted = await (await agent.GetAsync("/api/v1/customers?sort=-cf.spend", Ct)).JsonAsync();
        Assert.Equal(["Gold One", "Silver One"], sorted.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(120.5m, sorted.GetProperty("items")[0].GetProperty("customFields").GetProperty("spend").GetDecimal());

        var relabel = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/custom-fields/{tierId}")
        { Content = new StringContent("""{"entity":"customer","key":"tier","label":"Level","type":"choice","choices":["gold","silver","bronze"]}""", Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(relabel, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/custom-fields/{tierId}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.GetAsync("/api/v1/customers?filter=" + Uri.EscapeDataString("cf.tier eq gold"), Ct)).StatusCode);
    }
}
