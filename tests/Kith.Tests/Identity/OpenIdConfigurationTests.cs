using Kith.Tests.Infrastructure;

namespace Kith.Tests.Identity;

/// <summary>`kith serve --oidc-*`: a configuration that cannot work stops Kith before it starts, with the reason.</summary>
[Collection("Console")]
public sealed class OpenIdConfigurationTests
{
    [Fact]
    public async Task ServeRefusesABadOpenIdConfigurationAndSaysWhy()
    {
        var data = Directory.CreateTempSubdirectory("kith-oidc-").FullName;
        try
        {
            var secret = Path.Combine(data, "missing-secret");
            (string[] Args, string Says)[] cases =
            [
                (["--oidc-authority", "http://sso.example.com/realms/kith", "--oidc-client-id", "kith"], "uses plain http"),
                (["--oidc-authority", "sso.example.com", "--oidc-client-id", "kith"], "is not an http(s) URL"),
                (["--oidc-authority", "https://sso.example.com/realms/kith"], "--oidc-client-id is required"),
                (["--oidc-client-id", "kith"], "need --oidc-authority"),
                (["--oidc-authority", "https://sso.example.com", "--oidc-client-id", "kith", "--oidc-create-users", "admin"], "cannot be admin"),
                (["--oidc-authority", "https://sso.example.com", "--oidc-client-id", "kith", "--oidc-create-users", "boss"], "is not a role"),
                (["--oidc-authority", "https://sso.example.com", "--oidc-client-id", "kith", "--oidc-client-secret-file", secret], "cannot be read"),
            ];
            foreach (var (args, says) in cases)
            {
                var (code, _, error) = await CommandRunner.RunAsync(["serve", "--data", data, .. args]);
                Assert.True(code == 2, $"kith serve {string.Join(' ', args)} exited with {code}: {error}");
                Assert.Contains(says, error);
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
