using System.CommandLine;
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
        var perToken = new Option<int>("--api-limit-per-token")
        {
            Description = "API requests per minute per token; 0 for no limit.", DefaultValueFactory = _ => new ApiRateLimits().PerTokenPerMinute,
        };
        var perAddress = new Option<int>("--api-limit-per-address")
        {
            Description = "API requests per minute per client address; 0 for no limit.", DefaultValueFactory = _ => new ApiRateLimits().PerAddressPerMinute,
        };
        var command = new Command("serve", "Run the web UI and the REST API (/api/v1, OpenAPI at /openapi/v1.json).");
        foreach (var option in new Option[] { urls, demo, cert, certKey, certPassword, trustedProxy, perToken, perAddress }) command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            var certificate = parse.GetValue(cert);
            try
            {
                ProxyTrust.Parse(parse.GetValue(trustedProxy) ?? []);
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
                ApiLimits = new ApiRateLimits { PerTokenPerMinute = parse.GetValue(perToken), PerAddressPerMinute = parse.GetValue(perAddress) },
                CertificatePath = certificate,
                CertificateKeyPath = parse.GetValue(certKey),
                // A password on the command line would show in `ps` and the shell history; standard input does not.
                CertificatePassword = parse.GetValue(certPassword) ? Console.In.ReadLine() : null,
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
}
