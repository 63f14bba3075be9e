using System.CommandLine;
using Kith.Core.Identity;
using Kith.Identity;
using Kith.Infrastructure;

namespace Kith.Cli;

internal static class ServeCommand
{
    public static Command Build()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = "Addresses to listen on, separated by ';' (default http://localhost:5080, or https://localhost:5443 with --cert).",
        };
        var demo = new Option<bool>("--demo") { Description = "Fill an empty database with generated demo customers and companies." };
        var cert = new Option<string?>("--cert") { Description = "Serve https:// URLs with this certificate: a .pfx file, or a PEM certificate with --cert-key." };
        var certKey = new Option<string?>("--cert-key") { Description = "The PEM private key of the --cert certificate." };
        var certPassword = new Option<bool>("--cert-password-stdin") { Description = "Read the .pfx (or encrypted PEM key) password from the first line of standard input." };
        var trustedProxy = new Option<string[]>("--trusted-proxy")
        {
            Description = "A reverse proxy (address or network such as 10.0.0.0/8) whose X-Forwarded-For and X-Forwarded-Proto are believed; repeat for several. Also KITH_TRUSTED_PROXIES, comma-separated.",
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => (Environment.GetEnvironmentVariable("KITH_TRUSTED_PROXIES") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
        var allowMailHost = new Option<string[]>(Kith.Core.Infrastructure.OutboundAddresses.AllowOption)
        {
            Description = "A mail host (name or address) Kith may connect to although it is loopback or link-local, such as a mail server on this machine; repeat for several. Also KITH_ALLOW_MAIL_HOSTS, comma-separated.",
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => (Environment.GetEnvironmentVariable("KITH_ALLOW_MAIL_HOSTS") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
        var perToken = new Option<int>("--api-limit-per-token")
        {
            Description = "API requests per minute per token; 0 for no limit.", DefaultValueFactory = _ => new ApiRateLimits().PerTokenPerMinute,
        };
        var perAddress = new Option<int>("--api-limit-per-address")
        {
            Description = "API requests per minute per client address; 0 for no limit.", DefaultValueFactory = _ => new ApiRateLimits().PerAddressPerMinute,
        };
        var openId = new OpenIdOptions();
        var command = new Command("serve", "Run the web UI and the REST API (/api/v1, OpenAPI at /openapi/v1.json).");
        foreach (var option in new Option[] { urls, demo, cert, certKey, certPassword, trustedProxy, allowMailHost, perToken, perAddress }) command.Options.Add(option);
        foreach (var option in openId.All) command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            var certificate = parse.GetValue(cert);
            OpenIdSignInOptions? openIdSignIn;
            try
            {
                ProxyTrust.Parse(parse.GetValue(trustedProxy) ?? []);
                openIdSignIn = openId.Read(parse);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var options = new KithServeOptions
            {
                Database = KithCommandLine.DatabaseOptions(parse),
                Urls = parse.GetValue(urls) ?? (certificate is null ? "http://localhost:5080" : "https://localhost:5443"),
                Demo = parse.GetValue(demo),
                EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production",
                TrustedProxies = parse.GetValue(trustedProxy) ?? [],
                AllowMailHosts = parse.GetValue(allowMailHost) ?? [],
                ApiLimits = new ApiRateLimits { PerTokenPerMinute = parse.GetValue(perToken), PerAddressPerMinute = parse.GetValue(perAddress) },
                CertificatePath = certificate,
                CertificateKeyPath = parse.GetValue(certKey),
                // A password on the command line would show in `ps` and the shell history; standard input does not.
                CertificatePassword = parse.GetValue(certPassword) ? Console.In.ReadLine() : null,
                OpenId = openIdSignIn,
            };
            var app = KithWebApp.Build(options);
            try
            {
                await KithWebApp.PrepareDatabaseAsync(app, ct);
            }
            catch (Kith.Core.SensitiveFields.MissingFieldKeys e)
            {
                // Serving without the keys would answer every customer read with an error; refuse to start instead.
                Console.Error.WriteLine($"kith: {e.Message}");
                return 1;
            }
            await app.RunAsync();
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The --oidc-* options, each with an environment variable for service managers and containers. The client secret
    /// is never an option: the command line shows in `ps` and the shell history.
    /// </summary>
    private sealed class OpenIdOptions
    {
        public readonly Option<string?> Authority = new("--oidc-authority")
        {
            Description = "Offer sign-in through this OpenID provider (its issuer URL, https). Also KITH_OIDC_AUTHORITY.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KITH_OIDC_AUTHORITY"),
        };
        public readonly Option<string?> ClientId = new("--oidc-client-id")
        {
            Description = "Kith's client id at the provider. Also KITH_OIDC_CLIENT_ID.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KITH_OIDC_CLIENT_ID"),
        };
        public readonly Option<string?> SecretFile = new("--oidc-client-secret-file")
        {
            Description = "A file holding the client secret (or set KITH_OIDC_CLIENT_SECRET). Also KITH_OIDC_CLIENT_SECRET_FILE.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KITH_OIDC_CLIENT_SECRET_FILE"),
        };
        public readonly Option<string?> Name = new("--oidc-name")
        {
            Description = "The provider's name on the sign-in button, \"Sign in with NAME\". Also KITH_OIDC_NAME.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KITH_OIDC_NAME"),
        };
        public readonly Option<string?> CreateUsers = new("--oidc-create-users")
        {
            Description = "Create people Kith does not know at their first sign-in, with this role (manager, agent or viewer); default: refuse them. Also KITH_OIDC_CREATE_USERS.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KITH_OIDC_CREATE_USERS"),
        };
        public readonly Option<bool> TrustMfa = new("--oidc-trust-mfa")
        {
            Description = "Count the provider's second factor (amr mfa, otp or hwk in the ID token) as Kith's own; default: Kith asks for its code. Also KITH_OIDC_TRUST_MFA=true.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KITH_OIDC_TRUST_MFA") is "true" or "1",
        };

        public readonly Option<bool> TrustEmails = new("--oidc-trust-email")
        {
            Description = "Count every email the provider sends as verified, for providers that send no email_verified (Entra ID) where only your administrators set emails. Also KITH_OIDC_TRUST_EMAIL=true.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KITH_OIDC_TRUST_EMAIL") is "true" or "1",
        };

        public Option[] All => [Authority, ClientId, SecretFile, Name, CreateUsers, TrustMfa, TrustEmails];

        /// <summary>The options, null when no authority is given; throws FormatException with the operator's words.</summary>
        public OpenIdSignInOptions? Read(ParseResult parse)
        {
            var authority = parse.GetValue(Authority);
            if (string.IsNullOrWhiteSpace(authority))
            {
                if (new[] { parse.GetValue(ClientId), parse.GetValue(SecretFile), parse.GetValue(Name), parse.GetValue(CreateUsers) }.Any(v => !string.IsNullOrWhiteSpace(v)))
                    throw new FormatException("The --oidc-* options need --oidc-authority (the provider's issuer URL).");
                return null;
            }
            Role? createAs = null;
            if (parse.GetValue(CreateUsers) is { Length: > 0 } role)
            {
                if (!Enum.TryParse<Role>(role, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                    throw new FormatException($"--oidc-create-users \"{role}\" is not a role: use manager, agent or viewer.");
                createAs = parsed;
            }
            var options = new OpenIdSignInOptions
            {
                Authority = authority.Trim(),
                ClientId = (parse.GetValue(ClientId) ?? "").Trim(),
                ClientSecret = ReadSecret(parse.GetValue(SecretFile)),
                DisplayName = parse.GetValue(Name) is { Length: > 0 } name ? name.Trim() : OpenIdSignInOptions.DefaultDisplayName,
                CreateUsersAs = createAs,
                TrustProviderMfa = parse.GetValue(TrustMfa),
                TrustProviderEmails = parse.GetValue(TrustEmails),
            };
            return options.Problem() is { } problem ? throw new FormatException(problem) : options;
        }

        private static string? ReadSecret(string? file)
        {
            if (string.IsNullOrWhiteSpace(file))
                return Environment.GetEnvironmentVariable("KITH_OIDC_CLIENT_SECRET") is { Length: > 0 } secret ? secret.Trim() : null;
            try
            {
                var text = File.ReadAllText(file).Trim();
                return text.Length > 0 ? text : throw new FormatException($"--oidc-client-secret-file \"{file}\" is empty.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"--oidc-client-secret-file \"{file}\" cannot be read: {e.Message}");
            }
        }
    }
}
