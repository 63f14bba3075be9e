using System.Net;
using Kith.Core.Identity;
using System.Net.Http.Json;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.SavedViews;

public sealed class SavedViewsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachUserSavesListsAndDeletesOnlyTheirOwnViews()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, alice) = await host.UserWithClientAsync(Role.Agent);
        var (_, bob) = await host.UserWithClientAsync(Role.Agent);

        var saved = await alice.PostJsonAsync("/api/v1/saved-views", new { entity = "customer", name = "VIPs in Shanghai", filter = "tag eq vip and city eq Shanghai", sort = "-updatedAt", columns = new[] { "name", "city", "cf.tier" } });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var id = (await saved.JsonAsync()).GetProperty("id").GetInt64();
        var replaced = await (await alice.PostJsonAsync("/api/v1/saved-views", new { entity = "customer", name = "VIPs in Shanghai", filter = "tag eq vip" })).JsonAsync();
        Assert.Equal(id, replaced.GetProperty("id").GetInt64());

        var mine = await (await alice.GetAsync("/api/v1/saved-views?entity=customer", Ct)).JsonAsync();
        Assert.Equal("tag eq vip", Assert.Single(mine.EnumerateArray()).GetProperty("filter").GetString());
        Assert.Equal(0, (await (await bob.GetAsync("/api/v1/saved-views", Ct)).JsonAsync()).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/v1/saved-views/{id}", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostJsonAsync("/api/v1/saved-views", new { entity = "invoice", name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostJsonAsync("/api/v1/saved-views", new { entity = "customer", name = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostJsonAsync("/api/v1/saved-views", new { entity = "customer", name = "x", columns = new[] { "name; drop" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/saved-views/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task OnlyAnAdminReadsAndChangesTheWorkspaceSettings()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        Assert.Equal("CN", (await (await admin.GetAsync("/api/v1/settings", Ct)).JsonAsync()).GetProperty("defaultPhoneRegion").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/settings", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync("/api/v1/settings", new { defaultPhoneRegion = "US" }, KithTestHost.Json, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/v1/settings", new { defaultPhoneRegion = "Mars" }, KithTestHost.Json, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { defaultPhoneRegion = "us" }, KithTestHost.Json, Ct)).StatusCode);
        var customer = await (await agent.PostJsonAsync("/api/v1/customers", new { name = "Sam", phone = "(201) 555-0123" })).JsonAsync();
        Assert.Equal("+12015550123", customer.GetProperty("phone").GetString());
    }
}
