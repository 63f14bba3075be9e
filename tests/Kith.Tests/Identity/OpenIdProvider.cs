using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Kith.Identity;
using Kith.Infrastructure;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Identity;

/// <summary>
/// A real OpenID provider, the npm package oidc-provider run with node from tests/oidc-provider (server.js says which
/// test accounts it knows), on a free loopback port for the tests of one class. Without node or its node_modules the
/// tests that need it skip and say how to install them.
/// </summary>
public sealed partial class OpenIdProvider : IAsyncLifetime
{
    public const string ClientId = "kith";
    public const string ClientSecret = "kith-test-secret";

    private Process? _node;
    private string? _unavailable;

    /// <summary>The provider's issuer, http://127.0.0.1:PORT.</summary>
    public string Issuer { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var folder = Folder();
        if (folder is null)
        {
            _unavailable = "tests/oidc-provider was not found above the test binaries.";
            return;
        }
        if (!File.Exists(Path.Combine(folder, "node_modules", "oidc-provider", "package.json")))
        {
            _unavailable = $"The test OpenID provider's packages are not installed: run `npm ci --prefix tests/oidc-provider` (needs node 20+ and npm).";
            return;
        }
        var start = new ProcessStartInfo("node", ["server.js", "0"])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _node = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            _unavailable = "node is not installed (apt-get install nodejs npm), so the test OpenID provider cannot run.";
            return;
        }
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Its warnings about the development key store and node 20 are expected; they matter only if it ends.
        _node.ErrorDataReceived += (_, e) => { if (e.Data is not null) errors.Enqueue(e.Data); };
        _node.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await _node.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                Issuer = match.Groups[1].Value;
                return;
            }
        }
        await _node.WaitForExitAsync(timeout.Token);
        if (_node.ExitCode == 3)
        {
            _unavailable = string.Join(' ', errors) + " Install a newer node to run the OpenID tests.";
            return;
        }
        throw new InvalidOperationException($"The test OpenID provider ended ({_node.ExitCode}) without saying where it listens: {string.Join('\n', errors)}");
    }

    /// <summary>Skips the test, saying how to install what is missing, when the provider cannot run here.</summary>
    public void Require()
    {
        if (_unavailable is not null) Assert.Skip(_unavailable);
    }

    /// <summary>Kith's options for signing in through this provider.</summary>
    public OpenIdSignInOptions Options(Kith.Core.Identity.Role? createUsersAs = null, bool trustMfa = false) => new()
    {
        Authority = Issuer, ClientId = ClientId, ClientSecret = ClientSecret, DisplayName = "Test ID",
        CreateUsersAs = createUsersAs, TrustProviderMfa = trustMfa,
    };

    /// <summary>Starts Kith configured to sign in through this provider.</summary>
    public Task<KithTestHost> StartKithAsync(Kith.Core.Infrastructure.DatabaseProvider database = Kith.Core.Infrastructure.DatabaseProvider.Sqlite,
        Kith.Core.Identity.Role? createUsersAs = null, bool trustMfa = false, Func<OpenIdSignInOptions, OpenIdSignInOptions>? configure = null)
    {
        Require();
        var options = Options(createUsersAs, trustMfa);
        return KithTestHost.StartAsync(database, configure: o => o with { OpenId = configure?.Invoke(options) ?? options });
    }

    /// <summary>
    /// Clicks "Sign in with …" in <paramref name="browser"/> and signs in at the provider as <paramref name="account"/>,
    /// returning the address the provider sends the browser back to (Kith's /signin-oidc with code and state), not yet
    /// visited.
    /// </summary>
    public static async Task<Uri> SignInAtProviderAsync(HttpClient browser, string account, bool secondFactor = false, string? returnUrl = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = await browser.GetAsync("/account/login/oidc" + (returnUrl is null ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)), ct);
        Assert.Equal(HttpStatusCode.Found, start.StatusCode);
        var at = start.Headers.Location!;
        // Kith pushes the request to the provider first (PAR), so the browser carries only its handle; the provider
        // requires PKCE (server.js), so a request without a code challenge would end here.
        Assert.Contains("request_uri=", at.Query);
        // Through the provider's redirects to its sign-in page.
        var response = await browser.GetAsync(at, ct);
        while (response.StatusCode is HttpStatusCode.SeeOther or HttpStatusCode.Found)
        {
            at = new Uri(at, response.Headers.Location!);
            response = await browser.GetAsync(at, ct);
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var form = new Dictionary<string, string> { ["login"] = account };
        if (secondFactor) form["mfa"] = "1";
        response = await browser.PostAsync(new Uri(at, at.AbsolutePath + "/login"), new FormUrlEncodedContent(form), ct);
        while (response.StatusCode is HttpStatusCode.SeeOther or HttpStatusCode.Found)
        {
            var next = new Uri(at, response.Headers.Location!);
            if (next.AbsolutePath == OpenIdSignIn.CallbackPath) return next;
            at = next;
            response = await browser.GetAsync(at, ct);
        }
        throw new InvalidOperationException($"The provider answered {(int)response.StatusCode} instead of sending the browser back to Kith: {await response.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>The whole sign-in: the provider, then Kith's callback; returns Kith's answer to the callback.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string account, bool secondFactor = false, string? returnUrl = null) =>
        await browser.GetAsync(await SignInAtProviderAsync(browser, account, secondFactor, returnUrl), TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync()
    {
        if (_node is { HasExited: false })
        {
            // Closing its standard input stops it; killing is for a provider that does not listen.
            _node.StandardInput.Close();
            if (!_node.WaitForExit(5000)) _node.Kill(entireProcessTree: true);
        }
        _node?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string? Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "oidc-provider");
            if (File.Exists(Path.Combine(candidate, "server.js"))) return candidate;
        }
        return null;
    }

    [GeneratedRegex(@"^listening on (http://\S+)$")]
    private static partial Regex Listening();
}
