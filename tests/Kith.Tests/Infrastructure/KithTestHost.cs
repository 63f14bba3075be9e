using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Tests.Infrastructure;

/// <summary>
/// The real `kith serve` host on a free loopback port over a fresh database: HTTP tests and browser tests talk to
/// it exactly as users and integrations do.
/// </summary>
public sealed class KithTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private readonly bool _ownsDatabase;

    private KithTestHost(WebApplication app, TestDatabase database, Uri address, bool ownsDatabase = true)
    {
        _app = app;
        Database = database;
        Address = address;
        _ownsDatabase = ownsDatabase;
    }

    public TestDatabase Database { get; }
    public Uri Address { get; }
    public IServiceProvider Services => _app.Services;

    public static JsonSerializerOptions Json { get; } = CreateJson();

    /// <summary>Allows the test mail servers on 127.0.0.1, as `kith serve --allow-mail-host 127.0.0.1` does.</summary>
    public static KithServeOptions LocalMail(KithServeOptions options) => options with { AllowMailHosts = ["127.0.0.1"] };

    /// <param name="configure">Changes the options before the host starts: rate limits, trusted proxies, a certificate.</param>
    public static async Task<KithTestHost> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, bool demo = false,
        Func<KithServeOptions, KithServeOptions>? configure = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var (app, address) = await StartAppAsync(database, demo, configure);
        return new KithTestHost(app, database, address);
    }

    /// <summary>
    /// A second `kith serve` over the database (and data folder) of <paramref name="first"/>, as a second node behind
    /// a load balancer would be; the database stays with the first host.
    /// </summary>
    public static async Task<KithTestHost> StartAnotherNodeAsync(KithTestHost first)
    {
        var (app, address) = await StartAppAsync(first.Database, demo: false, configure: null);
        return new KithTestHost(app, first.Database, address, ownsDatabase: false);
    }

    private static async Task<(WebApplication App, Uri Address)> StartAppAsync(TestDatabase database, bool demo,
        Func<KithServeOptions, KithServeOptions>? configure)
    {
        var options = new KithServeOptions
        {
            Database = database.Options,
            Urls = "http://127.0.0.1:0",
            Demo = demo,
            EnvironmentName = "Production",
            QuietLogs = Environment.GetEnvironmentVariable("KITH_TEST_LOGS") is null,
            JobLockRetry = TimeSpan.FromMilliseconds(500),
        };
        var app = KithWebApp.Build(configure?.Invoke(options) ?? options);
        await KithWebApp.PrepareDatabaseAsync(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new Uri(address));
    }

    /// <summary>Stops the server (its background work and job locks end) but keeps the database for other nodes.</summary>
    public async Task StopAsync() => await _app.StopAsync();

    public KithDb OpenDb() => Database.Open();

    /// <summary>Creates a user directly in the database (as `kith users add` would) and returns its id.</summary>
    public async Task<long> CreateUserAsync(string email, Role role, string password = "correct horse battery staple")
    {
        await using var db = OpenDb();
        var user = new User { Email = email.ToLowerInvariant(), DisplayName = email.Split('@')[0], Role = role, CreatedAt = DateTime.UtcNow };
        user.PasswordHash = new PasswordHasher<User>().HashPassword(user, password);
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    /// <summary>Creates a customer as the user would through the UI (their access scope, a user as the actor) and returns its id.</summary>
    public async Task<long> CreateCustomerAsync(long userId, Kith.Core.Customers.CustomerInput input)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = Services.CreateAsyncScope();
        var access = await AccessScope.ForUserAsync(scope.ServiceProvider.GetRequiredService<KithDb>(), userId, ct)
            ?? throw new InvalidOperationException($"User {userId} has no access scope.");
        return (await scope.ServiceProvider.GetRequiredService<Kith.Core.Customers.CreateCustomer>()
            .HandleAsync(input, access, ActorKind.User, ct)).Id;
    }

    public async Task AddToTeamAsync(string team, params long[] userIds)
    {
        await using var db = OpenDb();
        var t = db.Teams.FirstOrDefault(x => x.Name == team);
        if (t is null)
        {
            t = new Team { Name = team, CreatedAt = DateTime.UtcNow };
            db.Teams.Add(t);
            await db.SaveChangesAsync();
        }
        foreach (var id in userIds) db.TeamMembers.Add(new TeamMember { TeamId = t.Id, UserId = id });
        await db.SaveChangesAsync();
    }

    /// <summary>An HTTP client carrying a fresh API token of the user.</summary>
    public async Task<HttpClient> ApiClientAsync(long userId)
    {
        await using var scope = Services.CreateAsyncScope();
        var (_, secret) = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(userId, "test");
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A user of the given role with an API client; the shortest way into an HTTP test.</summary>
    public async Task<(long UserId, HttpClient Client)> UserWithClientAsync(Role role, string? email = null)
    {
        var id = await CreateUserAsync(email ?? $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@example.com", role);
        return (id, await ApiClientAsync(id));
    }

    public HttpClient AnonymousClient(bool followRedirects = false)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = followRedirects, UseCookies = true }) { BaseAddress = Address };
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients) c.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDatabase) await Database.DisposeAsync();
    }

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        KithWebApp.ConfigureJson(o);
        o.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return o;
    }
}

public static class HttpAssertions
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, KithTestHost.Json);
}
