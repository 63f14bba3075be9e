using System.Net;
using System.Text.RegularExpressions;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Tests.Security;

/// <summary>
/// What every response carries and never carries: each routable page, walked from the host's own route table (so a
/// new page is covered without editing this test), answers with the security headers; each GET endpoint of the API,
/// walked the same way, holds no password hash, token hash, sealed secret, key material or typed password, and
/// never answers 5xx.
/// </summary>
public sealed partial class ResponseSafetyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Route patterns with their parameters filled with the world's ids.</summary>
    private static List<string> Routes(SecurityWorld w, Func<RouteEndpoint, bool> which)
    {
        var sources = w.Host.Services.GetServices<EndpointDataSource>();
        return sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().Where(which)
            .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))
            .Distinct().Order(StringComparer.Ordinal)
            .Select(pattern => Parameter().Replace(pattern, m => Fill(w, pattern, m.Groups[1].Value))).ToList();
    }

    private static string Fill(SecurityWorld w, string pattern, string name)
    {
        string Id(string key) => w.Ids.TryGetValue(key, out var id) ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "1";
        if (name.Equals("attachmentId", StringComparison.OrdinalIgnoreCase)) return Id("attachment");
        if (name.Equals("userId", StringComparison.OrdinalIgnoreCase)) return w.OwnerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!name.Equals("id", StringComparison.OrdinalIgnoreCase)) return name switch
        {
            "kind" => "customers", "role" or "Role" => "agent", "token" or "Token" => "no-such-token", _ => "x",
        };
        var noun = pattern.Replace("/api/v1", "").Trim('/').Split('/')[0];
        return noun switch
        {
            "customers" => Id("customer"), "companies" => Id("company"), "communications" => Id("communication"), "tasks" => Id("task"),
            "cases" => Id("case"), "feedback" => Id("feedback"), "mailboxes" => Id("mailbox"), "imports" => Id("import"),
            "segments" => Id("segment"), "saved-views" => Id("savedView"), "duplicates" => Id("duplicate"), "tokens" => Id("token"),
            "users" => w.OwnerId.ToString(System.Globalization.CultureInfo.InvariantCulture), "mail-templates" => Id("template"), _ => "1",
        };
    }

    [GeneratedRegex(@"\{\*{0,2}([A-Za-z]+)(?::[^}]*)?\??\}")]
    private static partial Regex Parameter();

    [Fact]
    public async Task EveryPageAnswersWithTheSecurityHeaders()
    {
        await using var w = await SecurityWorld.StartAsync();
        var pages = Routes(w, e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is not null);
        Assert.True(pages.Count > 30, string.Join(", ", pages));
        var admin = await w.BrowserAsync(SecurityWorld.AdminEmail);
        var anonymous = w.Host.AnonymousClient();
        var failures = new List<string>();
        foreach (var (client, who) in new[] { (admin, "admin"), (anonymous, "anonymous") })
        foreach (var page in pages.Append("/no/such/page").Append("/api/reference"))
        {
            var response = await client.GetAsync(page, Ct);
            var csp = response.Headers.TryGetValues("Content-Security-Policy", out var c) ? c.Single() : "";
            string Header(string name) => response.Headers.TryGetValues(name, out var v) ? v.Single() : "";
            var problems = new List<string>();
            if (!csp.Contains("frame-ancestors 'none'", StringComparison.Ordinal)) problems.Add("frame-ancestors");
            if (!csp.Contains("object-src 'none'", StringComparison.Ordinal)) problems.Add("object-src");
            if (page != "/api/reference" && !Regex.IsMatch(csp, "script-src 'self';")) problems.Add("script-src: " + csp);
            if (Header("X-Content-Type-Options") != "nosniff") problems.Add("nosniff");
            if (Header("Referrer-Policy") is not ("same-origin" or "no-referrer" or "strict-origin-when-cross-origin")) problems.Add("referrer-policy");
            if (Header("X-Frame-Options") != "DENY") problems.Add("x-frame-options");
            if ((int)response.StatusCode >= 500) problems.Add("status " + (int)response.StatusCode);
            if (problems.Count > 0) failures.Add($"{who} {page} ({(int)response.StatusCode}): {string.Join(", ", problems)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task NoApiAnswerHoldsAPasswordAHashASealedSecretOrKeyMaterialAndNoneIsA5xx()
    {
        await using var w = await SecurityWorld.StartAsync();
        // Every secret the workspace holds, read from where it is kept.
        var secrets = new List<(string What, string Value)>
        {
            ("the mailbox password", "mailbox-pw-5150"),
            ("an API token", w.Owner.DefaultRequestHeaders.Authorization!.Parameter!),
            ("an API token", w.Admin.DefaultRequestHeaders.Authorization!.Parameter!),
            ("the key file", Convert.ToBase64String(File.ReadAllBytes(Path.Combine(w.Host.Database.Options.DataDirectory, "secret.key")))[..24]),
        };
        await using (var db = w.Host.OpenDb())
        {
            foreach (var u in await db.Users.ToListAsync(Ct))
            {
                secrets.Add(("a password hash", u.PasswordHash[..24]));
                secrets.Add(("a security stamp", u.SecurityStamp));
            }
            secrets.AddRange((await db.ApiTokens.Select(t => t.TokenHash).ToListAsync(Ct)).Select(h => ("a token hash", h)));
            secrets.AddRange((await db.UserSessions.Select(s => s.KeyHash).ToListAsync(Ct)).Select(h => ("a session key hash", h)));
            secrets.AddRange((await db.Mailboxes.Select(m => m.PasswordSecret).ToListAsync(Ct)).Select(h => ("a sealed mailbox password", h[..24])));
        }
        Assert.DoesNotContain(secrets, s => s.Value.Length < 12);

        var endpoints = Routes(w, e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/v1", StringComparison.Ordinal) == true
            && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true);
        Assert.True(endpoints.Count > 50, string.Join(", ", endpoints));
        var failures = new List<string>();
        foreach (var url in endpoints)
        foreach (var (client, who) in new[] { (w.Admin, "admin"), (w.Owner, "agent") })
        {
            var response = await client.GetAsync(url, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if ((int)response.StatusCode >= 500) failures.Add($"{who} {url}: {(int)response.StatusCode}");
            foreach (var (what, value) in secrets)
                if (body.Contains(value, StringComparison.Ordinal)) failures.Add($"{who} {url} shows {what}");
            if (Regex.IsMatch(body, "\"(passwordHash|tokenHash|securityStamp|passwordSecret|mfaSecret|keyHash|codeHash)\"", RegexOptions.IgnoreCase))
                failures.Add($"{who} {url} has a secret-named property");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
