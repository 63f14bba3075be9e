using Kith.Core.Infrastructure;

namespace Kith.Infrastructure;

/// <summary>Everything `kith serve` needs to start; tests build one to start a real host on a free port.</summary>
public sealed record KithServeOptions
{
    public required DatabaseOptions Database { get; init; }
    public string Urls { get; init; } = "http://localhost:5080";
    /// <summary>Fill an empty database with generated demo data on start.</summary>
    public bool Demo { get; init; }
    public string EnvironmentName { get; init; } = "Production";
    /// <summary>How often a node asks for background work another node holds (see <see cref="JobLocks"/>); tests shorten it.</summary>
    public TimeSpan JobLockRetry { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Used by tests to silence request logs.</summary>
    public bool QuietLogs { get; init; }
    /// <summary>Addresses or networks (10.0.0.0/8) of reverse proxies whose X-Forwarded-For and -Proto are believed.</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
    public ApiRateLimits ApiLimits { get; init; } = new();
    /// <summary>Mail hosts (names or addresses) Kith may connect to although they are loopback or link-local: an on-premises mail server, tests.</summary>
    public IReadOnlyList<string> AllowMailHosts { get; init; } = [];
    /// <summary>A .pfx file, or a PEM certificate (then <see cref="CertificateKeyPath"/> names its key), for https:// URLs.</summary>
    public string? CertificatePath { get; init; }
    public string? CertificateKeyPath { get; init; }
    /// <summary>The password of the .pfx file or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; init; }
    /// <summary>Sign-in through an OpenID provider as well as with passwords; null: passwords only.</summary>
    public Kith.Identity.OpenIdSignInOptions? OpenId { get; init; }
}

/// <summary>
/// Requests per minute to /api, per token and per client address (0: no limit). Far above what a person clicks and
/// what a well-behaved sync needs; a runaway script or a scraper hits them and gets 429 with Retry-After.
/// </summary>
public sealed record ApiRateLimits
{
    public int PerTokenPerMinute { get; init; } = 1200;
    public int PerAddressPerMinute { get; init; } = 2400;
}
