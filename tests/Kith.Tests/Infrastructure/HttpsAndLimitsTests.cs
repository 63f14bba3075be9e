using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kith.Core.Identity;
using Kith.Infrastructure;
using Kith.Tests.Identity;

namespace Kith.Tests.Infrastructure;

/// <summary>Rate limits on the API, forwarded headers from trusted proxies only, and HTTPS with HSTS.</summary>
public sealed class HttpsAndLimitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneTokenBeyondItsLimitGets429WithRetryAfterWhileAnotherTokenGoesOn()
    {
        await using var host = await KithTestHost.StartAsync(configure: o => o with { ApiLimits = new ApiRateLimits { PerTokenPerMinute = 5, PerAddressPerMinute = 100 } });
        var (id, busy) = await host.UserWithClientAsync(Role.Agent);
        var calm = await host.ApiClientAsync(id);
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        var limited = await busy.GetAsync("/api/v1/tokens", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single()), 1, 60);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await calm.GetAsync("/api/v1/tokens", Ct)).StatusCode);
    }

    [Fact]
    public async Task OneAddressBeyondItsLimitGets429WhateverTokenItSendsAndASpoofedForwardedForChangesNothing()
    {
        await using var host = await KithTestHost.StartAsync(configure: o => o with { ApiLimits = new ApiRateLimits { PerTokenPerMinute = 100, PerAddressPerMinute = 6 } });
        var (id, client) = await host.UserWithClientAsync(Role.Agent);
        for (var i = 0; i < 6; i++)
        {
            var fresh = await host.ApiClientAsync(id);
            // No proxy is trusted, so a client that claims to be elsewhere is still counted at its own address.
            fresh.DefaultRequestHeaders.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/v1/tokens", Ct)).StatusCode);
        }
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.77");
        var limited = await client.GetAsync("/api/v1/tokens", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.Contains("Retry-After"));
        // Pages are not API calls: the limit is on /api only.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await host.Browser().GetAsync("/account/login", Ct)).StatusCode);
    }

    [Fact]
    public async Task PasswordSprayingWithMadeUpForwardedForAddressesIsStillThrottled()
    {
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("agent@example.com", Role.Agent);
        var browser = host.Browser();
        for (var i = 0; i < 20; i++)
        {
            browser.DefaultRequestHeaders.Remove("X-Forwarded-For");
            browser.DefaultRequestHeaders.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            await CookieSessions.SubmitLoginAsync(browser, $"spray{i}@example.com", "password guess " + i);
        }
        browser.DefaultRequestHeaders.Remove("X-Forwarded-For");
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.1");
        var blocked = await CookieSessions.SubmitLoginAsync(browser, "agent@example.com", CookieSessions.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(blocked.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task BehindATrustedProxyTheForwardedAddressAndSchemeAreTheClients()
    {
        await using var host = await KithTestHost.StartAsync(configure: o => o with
        {
            TrustedProxies = ["127.0.0.1", "::1"],
            ApiLimits = new ApiRateLimits { PerTokenPerMinute = 100, PerAddressPerMinute = 2 },
        });
        var (id, _) = await host.UserWithClientAsync(Role.Agent);
        async Task<HttpStatusCode> FromAsync(string address)
        {
            var client = await host.ApiClientAsync(id);
            client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
            return (await client.GetAsync("/api/v1/tokens", Ct)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await FromAsync("203.0.113.1"));
        Assert.Equal(HttpStatusCode.OK, await FromAsync("203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await FromAsync("203.0.113.1"));
        Assert.Equal(HttpStatusCode.OK, await FromAsync("203.0.113.2"));
        // The client cannot prepend its own entries: the proxy appends the real address last, and that one counts.
        Assert.Equal(HttpStatusCode.TooManyRequests, await FromAsync("198.51.100.9, 203.0.113.1"));

        // The proxy terminated TLS: the request counts as HTTPS, so HSTS is sent and the cookie is Secure.
        await host.CreateUserAsync("viewer@example.com", Role.Viewer);
        var browser = host.Browser();
        browser.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        var login = await CookieSessions.SubmitLoginAsync(browser, "viewer@example.com", CookieSessions.Password);
        Assert.True(login.Headers.Contains("Strict-Transport-Security"));
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("kith.auth=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task WithoutATrustedProxyPlainHttpGetsNoHstsEvenWhenTheClientClaimsHttps()
    {
        await using var host = await KithTestHost.StartAsync();
        var client = host.AnonymousClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        var response = await client.GetAsync("/account/login", Ct);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("pfx")]
    [InlineData("pem")]
    public async Task KithServesHttpsWithACertificateFileAndSendsHsts(string format)
    {
        var folder = Directory.CreateTempSubdirectory("kith-cert-");
        try
        {
            using var certificate = SelfSigned();
            string path;
            string? keyPath = null;
            string? password = null;
            if (format == "pfx")
            {
                path = Path.Combine(folder.FullName, "kith.pfx");
                password = "pfx pass phrase";
                await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, password), Ct);
            }
            else
            {
                path = Path.Combine(folder.FullName, "kith.pem");
                keyPath = Path.Combine(folder.FullName, "kith.key");
                await File.WriteAllTextAsync(path, certificate.ExportCertificatePem(), Ct);
                await File.WriteAllTextAsync(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(), Ct);
            }
            await using var host = await KithTestHost.StartAsync(configure: o => o with
            {
                Urls = "https://127.0.0.1:0", CertificatePath = path, CertificateKeyPath = keyPath, CertificatePassword = password,
            });
            Assert.Equal("https", host.Address.Scheme);
            using var client = new HttpClient(new HttpClientHandler
            {
                // Trust exactly the generated certificate, the way a browser trusts one after it is installed.
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
            }) { BaseAddress = host.Address };
            var response = await client.GetAsync("/healthz", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
