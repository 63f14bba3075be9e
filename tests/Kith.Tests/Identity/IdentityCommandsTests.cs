using System.Net;
using System.Net.Http.Headers;
using Kith.Cli;
using Kith.Core.Identity;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Identity;

[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>`kith users` and `kith tokens` against the database of a running host. They swap Console.In/Out, so they run alone.</summary>
[Collection("Console")]
public sealed class IdentityCommandsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task UsersAddReadsThePasswordFromStandardInputAndPrintsNothingSecret()
    {
        await using var host = await KithTestHost.StartAsync();
        var data = host.Database.Folder;

        var added = await RunAsync(Password + "\n", "users", "add", "Ada@Example.com", "--role", "admin", "--name", "Ada Lovelace", "--password-stdin", "--data", data);
        Assert.Equal(0, added.Code);
        Assert.Contains("ada@example.com", added.Out);
        Assert.DoesNotContain(Password, added.Out + added.Error);

        var listed = await RunAsync("", "users", "list", "--data", data);
        Assert.Contains("ada@example.com", listed.Out);
        Assert.Contains("admin", listed.Out);
        Assert.Contains("Ada Lovelace", listed.Out);

        await host.SignedInClientAsync("ada@example.com", Password);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Browser().GetAsync("/account/setup", Ct)).StatusCode);
    }

    [Fact]
    public async Task UsersAddRefusesWeakPasswordsAndPasswordsOutsideStandardInput()
    {
        await using var host = await KithTestHost.StartAsync();
        var data = host.Database.Folder;
        var weak = await RunAsync("password123\n", "users", "add", "a@example.com", "--role", "agent", "--password-stdin", "--data", data);
        Assert.NotEqual(0, weak.Code);
        Assert.Contains("too common", weak.Error);

        var noStdin = await RunAsync(Password + "\n", "users", "add", "a@example.com", "--role", "agent", "--data", data);
        Assert.NotEqual(0, noStdin.Code);
        Assert.Contains("--password-stdin", noStdin.Error);

        var badRole = await RunAsync(Password + "\n", "users", "add", "a@example.com", "--role", "emperor", "--password-stdin", "--data", data);
        Assert.NotEqual(0, badRole.Code);

        await using var db = host.OpenDb();
        Assert.Empty(db.Users);
    }

    [Fact]
    public async Task TokensCreatePrintsTheTokenAsTheLastLineAndItWorksUntilRevoked()
    {
        await using var host = await KithTestHost.StartAsync();
        var data = host.Database.Folder;
        await host.CreateUserAsync("agent@example.com", Role.Agent);

        var created = await RunAsync("", "tokens", "create", "--user", "agent@example.com", "--name", "nightly import", "--data", data);
        Assert.Equal(0, created.Code);
        var token = created.Out.TrimEnd().Split('\n').Last().Trim();
        Assert.StartsWith(ApiTokens.TokenPrefix, token);
        var client = host.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        var listed = await RunAsync("", "tokens", "list", "--user", "agent@example.com", "--data", data);
        Assert.Contains("nightly import", listed.Out);
        Assert.DoesNotContain(token, listed.Out);
        var id = listed.Out.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];

        var revoked = await RunAsync("", "tokens", "revoke", id, "--data", data);
        Assert.Equal(0, revoked.Code);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/tokens", Ct)).StatusCode);
    }

    [Fact]
    public async Task DisablingChangingRolesAndResettingPasswordsFromTheCommandLineTakeEffectAtOnce()
    {
        await using var host = await KithTestHost.StartAsync();
        var data = host.Database.Folder;
        await host.CreateUserAsync("admin@example.com", Role.Admin);
        var agentId = await host.CreateUserAsync("agent@example.com", Role.Agent);
        var api = await host.ApiClientAsync(agentId);
        var browser = await host.SignedInClientAsync("agent@example.com");

        Assert.Equal(0, (await RunAsync("", "users", "set-role", "agent@example.com", "viewer", "--data", data)).Code);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/profile", Ct)).StatusCode);

        Assert.Equal(0, (await RunAsync("a different pass phrase\n", "users", "reset-password", "agent@example.com", "--password-stdin", "--data", data)).Code);
        await host.SignedInClientAsync("agent@example.com", "a different pass phrase");

        Assert.Equal(0, (await RunAsync("", "users", "disable", "agent@example.com", "--data", data)).Code);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/tokens", Ct)).StatusCode);
        Assert.Equal(0, (await RunAsync("", "users", "enable", "agent@example.com", "--data", data)).Code);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        var lastAdmin = await RunAsync("", "users", "disable", "admin@example.com", "--data", data);
        Assert.NotEqual(0, lastAdmin.Code);
        Assert.Contains("last active administrator", lastAdmin.Error);
        var unknown = await RunAsync("", "users", "disable", "nobody@example.com", "--data", data);
        Assert.NotEqual(0, unknown.Code);
    }

    [Theory]
    [InlineData("users")]
    [InlineData("users add")]
    [InlineData("users list")]
    [InlineData("users disable")]
    [InlineData("users enable")]
    [InlineData("users set-role")]
    [InlineData("users reset-password")]
    [InlineData("tokens")]
    [InlineData("tokens create")]
    [InlineData("tokens list")]
    [InlineData("tokens revoke")]
    public async Task EverySubcommandHasHelp(string command)
    {
        var help = await RunAsync("", [.. command.Split(' '), "--help"]);
        Assert.Equal(0, help.Code);
        Assert.Contains("Usage:", help.Out);
    }

    private static async Task<(int Code, string Out, string Error)> RunAsync(string input, params string[] args)
    {
        var (stdin, stdout, stderr) = (Console.In, Console.Out, Console.Error);
        var output = new StringWriter();
        var error = new StringWriter();
        try
        {
            Console.SetIn(new StringReader(input));
            Console.SetOut(output);
            Console.SetError(error);
            var code = await KithCommandLine.RunAsync(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetIn(stdin);
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
