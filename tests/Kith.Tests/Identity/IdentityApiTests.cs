using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Identity;

public sealed class IdentityApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every endpoint only an administrator may call, with a body that would be valid for one.</summary>
    public static TheoryData<string, string, string?> AdminEndpoints => new()
    {
        { "GET", "/api/v1/users", null },
        { "GET", "/api/v1/users/1", null },
        { "POST", "/api/v1/users", """{"email":"new@example.com","role":"admin","password":"correct horse battery staple"}""" },
        { "PATCH", "/api/v1/users/1", """{"role":"agent"}""" },
        { "POST", "/api/v1/users/1/password", """{"password":"another long pass phrase"}""" },
        { "GET", "/api/v1/roles", null },
        { "PUT", "/api/v1/roles/agent", """{"reach":"all","canCreate":true,"canEdit":true,"canDelete":true,"canAssign":true}""" },
        { "GET", "/api/v1/teams", null },
        { "GET", "/api/v1/teams/1", null },
        { "POST", "/api/v1/teams", """{"name":"Hijack"}""" },
        { "PATCH", "/api/v1/teams/1", """{"name":"Renamed"}""" },
        { "DELETE", "/api/v1/teams/1", null },
        { "POST", "/api/v1/teams/1/members", """{"userId":2}""" },
        { "DELETE", "/api/v1/teams/1/members/1", null },
        { "GET", "/api/v1/tokens?userId=1", null },
    };

    [Theory, MemberData(nameof(AdminEndpoints))]
    public async Task AnAgentGets403ProblemOnEveryAdminEndpointAndNothingChanges(string method, string path, string? body)
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("admin@example.com", Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        await host.AddToTeamAsync("North", adminId);
        Assert.Equal(1, adminId);

        var response = await agent.SendAsync(Request(method, path, body), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(403, (await response.JsonAsync()).GetProperty("status").GetInt32());

        await using var db = host.OpenDb();
        Assert.Equal(Role.Admin, db.Users.Single(u => u.Id == adminId).Role);
        Assert.Equal(["North"], db.Teams.Select(t => t.Name).ToList());
        Assert.Equal(2, db.Users.Count());
        Assert.Equal(RecordReach.Team, db.RolePolicies.SingleOrDefault(p => p.Role == Role.Agent)?.Reach ?? RecordReach.Team);
        Assert.NotEqual(0, agentId);
    }

    [Theory, MemberData(nameof(AdminEndpoints))]
    public async Task AnAnonymousCallerGets401OnEveryAdminEndpoint(string method, string path, string? body)
    {
        await using var host = await KithTestHost.StartAsync();
        var response = await host.AnonymousClient().SendAsync(Request(method, path, body), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task AClientThatAcceptsOnlyHtmlStillGetsTheRightStatusCodes()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        agent.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/users", Ct)).StatusCode);
        var anonymous = host.AnonymousClient();
        anonymous.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/users", Ct)).StatusCode);
    }

    [Fact]
    public async Task ABrowserCookieDoesNotOpenTheApi()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("admin@example.com", Role.Admin);
        var browser = await host.SignedInClientAsync("admin@example.com");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/users", Ct)).StatusCode);
    }

    [Fact]
    public async Task AnAdminCreatesListsAndChangesUsersWithoutEverSeeingSecrets()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);

        var created = await admin.PostJsonAsync("/api/v1/users", new { email = "New@Example.com", role = "viewer", displayName = "New Person", password = "correct horse battery staple" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.JsonAsync();
        var id = user.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/users/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal("new@example.com", user.GetProperty("email").GetString());
        Assert.Equal("viewer", user.GetProperty("role").GetString());
        Assert.Empty(user.GetProperty("teamIds").EnumerateArray());

        var list = await admin.GetStringAsync("/api/v1/users", Ct);
        Assert.DoesNotContain("passwordHash", list, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("securityStamp", list, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AQAAAA", list);

        var patched = await admin.PatchAsync($"/api/v1/users/{id}", Json(new { role = "manager", displayName = "Renamed", language = "zh-Hans" }), Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var after = await patched.JsonAsync();
        Assert.Equal("manager", after.GetProperty("role").GetString());
        Assert.Equal("zh-Hans", after.GetProperty("language").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostJsonAsync($"/api/v1/users/{id}/password", new { password = "another long pass phrase" })).StatusCode);
        await host.SignedInClientAsync("new@example.com", "another long pass phrase");
    }

    [Fact]
    public async Task BadUserInputIsA400WithFieldErrorsAndNothingIsStored()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);

        var weak = await admin.PostJsonAsync("/api/v1/users", new { email = "weak@example.com", role = "agent", password = "Password1!" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("too common", (await weak.JsonAsync()).GetProperty("errors").GetProperty("password")[0].GetString());

        var shortOne = await admin.PostJsonAsync("/api/v1/users", new { email = "short@example.com", role = "agent", password = "kx7#mQ2" });
        Assert.Contains("at least 8", (await shortOne.JsonAsync()).GetProperty("errors").GetProperty("password")[0].GetString());

        var badEmail = await admin.PostJsonAsync("/api/v1/users", new { email = "not an email", role = "agent", password = "correct horse battery staple" });
        Assert.True((await badEmail.JsonAsync()).GetProperty("errors").TryGetProperty("email", out _));

        var badRole = await admin.PostAsync("/api/v1/users", Json("""{"email":"r@example.com","role":"emperor","password":"correct horse battery staple"}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);

        var extra = await admin.PostAsync("/api/v1/users", Json("""{"email":"x@example.com","role":"agent","password":"correct horse battery staple","passwordHash":"x"}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, extra.StatusCode);

        var longPhrase = new string('z', 10) + string.Join("-", Enumerable.Range(0, 60).Select(i => $"w{i}q"));
        Assert.True(longPhrase.Length >= 256);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/users", new { email = "long@example.com", role = "agent", password = longPhrase })).StatusCode);

        await using var db = host.OpenDb();
        Assert.Equal(["long@example.com"], db.Users.Where(u => u.Role == Role.Agent).Select(u => u.Email).ToList());
    }

    [Fact]
    public async Task TheAdminRoleCannotBeReducedButOtherRolesCanBeChanged()
    {
        await using var host = await KithTestHost.StartAsync();
        var (adminId, admin) = await host.UserWithClientAsync(Role.Admin);
        var reduce = await admin.PutAsync("/api/v1/roles/admin", Json(new { reach = "own", canCreate = true, canEdit = true, canDelete = true, canAssign = true }), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, reduce.StatusCode);

        var agent = await admin.PutAsync("/api/v1/roles/agent", Json(new { reach = "own", canCreate = true, canEdit = true, canDelete = false, canAssign = false }), Ct);
        Assert.Equal(HttpStatusCode.OK, agent.StatusCode);
        var roles = await (await admin.GetAsync("/api/v1/roles", Ct)).JsonAsync();
        var agentPolicy = roles.EnumerateArray().Single(r => r.GetProperty("role").GetString() == "agent");
        Assert.Equal("own", agentPolicy.GetProperty("reach").GetString());
        Assert.False(agentPolicy.GetProperty("canDelete").GetBoolean());
        Assert.Equal("all", roles.EnumerateArray().Single(r => r.GetProperty("role").GetString() == "admin").GetProperty("reach").GetString());

        var partial = await admin.PutAsync("/api/v1/roles/viewer", Json("""{"reach":"all"}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, partial.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync("/api/v1/roles/emperor", Json(new { reach = "all", canCreate = true, canEdit = true, canDelete = true, canAssign = true }), Ct)).StatusCode);
        var demoteSelf = await admin.PatchAsync($"/api/v1/users/{adminId}", Json(new { role = "agent" }), Ct);
        Assert.Equal(HttpStatusCode.Conflict, demoteSelf.StatusCode);
    }

    [Fact]
    public async Task TeamsAreManagedByAdminsAndByManagersForTheirOwnTeams()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (managerId, manager) = await host.UserWithClientAsync(Role.Manager);
        var agentId = await host.CreateUserAsync("agent@example.com", Role.Agent);

        var created = await admin.PostJsonAsync("/api/v1/teams", new { name = "North" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var teamId = (await created.JsonAsync()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostJsonAsync("/api/v1/teams", new { name = "North" })).StatusCode);
        var other = (await (await admin.PostJsonAsync("/api/v1/teams", new { name = "South" })).JsonAsync()).GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync($"/api/v1/teams/{teamId}/members", new { userId = managerId })).StatusCode);
        var added = await manager.PostJsonAsync($"/api/v1/teams/{teamId}/members", new { userId = agentId });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(2, (await added.JsonAsync()).GetProperty("members").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await manager.PatchAsync($"/api/v1/teams/{teamId}", Json(new { name = "North East" }), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await manager.PostJsonAsync($"/api/v1/teams/{other}/members", new { userId = agentId })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.DeleteAsync($"/api/v1/teams/{teamId}", Ct)).StatusCode);
        var mine = await (await manager.GetAsync("/api/v1/teams", Ct)).JsonAsync();
        Assert.Equal(["North East"], mine.EnumerateArray().Select(t => t.GetProperty("name").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/teams/{teamId}", Ct)).StatusCode);
        await using var db = host.OpenDb();
        Assert.Empty(db.TeamMembers.Where(m => m.TeamId == teamId));
    }

    [Fact]
    public async Task TokensAreCreatedListedWithoutSecretsAndRevokedWithImmediateEffect()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);

        var created = await agent.PostJsonAsync("/api/v1/tokens", new { name = "script" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        var secret = body.GetProperty("token").GetString()!;
        var id = body.GetProperty("id").GetInt64();
        var script = host.AnonymousClient();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        var list = await agent.GetStringAsync("/api/v1/tokens", Ct);
        Assert.DoesNotContain(secret, list);
        Assert.DoesNotContain("tokenHash", list, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.NoContent, (await agent.DeleteAsync($"/api/v1/tokens/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/v1/tokens", Ct)).StatusCode);
    }

    [Fact]
    public async Task UsersCannotSeeOrRevokeEachOthersTokensButAnAdminCan()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        var (_, other) = await host.UserWithClientAsync(Role.Agent);
        var otherToken = (await (await other.PostJsonAsync("/api/v1/tokens", new { name = "theirs" })).JsonAsync()).GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NotFound, (await agent.DeleteAsync($"/api/v1/tokens/{otherToken}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        var agentTokens = await (await admin.GetAsync($"/api/v1/tokens?userId={agentId}", Ct)).JsonAsync();
        Assert.Equal(agentId, Assert.Single(agentTokens.EnumerateArray()).GetProperty("userId").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tokens/{otherToken}", Ct)).StatusCode);
    }

    [Fact]
    public async Task GuessingTokensFromOneAddressIsThrottledWith429AndRetryAfter()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, agent) = await host.UserWithClientAsync(Role.Agent);
        var guesser = host.AnonymousClient();
        for (var i = 0; i < 10; i++)
        {
            guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", $"kith_guess{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/v1/tokens", Ct)).StatusCode);
        }
        var blocked = await guesser.GetAsync("/api/v1/tokens", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(int.Parse(blocked.Headers.GetValues("Retry-After").Single()) > 0);
        Assert.Equal("application/problem+json", blocked.Content.Headers.ContentType?.MediaType);
        // The guesser shares the address with the real client here: the block holds for every token from it.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await agent.GetAsync("/api/v1/tokens", Ct)).StatusCode);
    }

    private static HttpRequestMessage Request(string method, string path, string? body) =>
        new(new HttpMethod(method), path) { Content = body is null ? null : Json(body) };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static StringContent Json(object body) => Json(JsonSerializer.Serialize(body, KithTestHost.Json));
}
