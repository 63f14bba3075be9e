using System.Net;
using Kith.Core.Identity;

namespace Kith.Identity;

/// <summary>
/// Sign-in through an OpenID provider (Keycloak, Authentik, Microsoft Entra ID, Google, …), as the operator configures
/// it on `kith serve`. Absent: only passwords.
/// </summary>
public sealed record OpenIdSignInOptions
{
    /// <summary>The provider's issuer URL; its /.well-known/openid-configuration says the rest.</summary>
    public required string Authority { get; init; }
    public required string ClientId { get; init; }
    /// <summary>Null for a public client (PKCE alone); most providers give web applications a secret.</summary>
    public string? ClientSecret { get; init; }
    /// <summary>The provider's name on the sign-in button: "Sign in with NAME".</summary>
    public string DisplayName { get; init; } = DefaultDisplayName;
    public const string DefaultDisplayName = "OpenID Connect";
    /// <summary>The role of a person Kith does not know yet, created at their first sign-in; null: they are refused.</summary>
    public Role? CreateUsersAs { get; init; }
    /// <summary>
    /// Whether an ID token whose <c>amr</c> names a second factor (mfa, otp, hwk) counts as Kith's second factor.
    /// Off: Kith asks for its own code whenever a password sign-in would (ADR-0016).
    /// </summary>
    public bool TrustProviderMfa { get; init; }

    /// <summary>
    /// Every email the provider sends counts as verified, for providers that send no <c>email_verified</c> (Entra ID)
    /// where only the organisation's administrators set emails. Off: only <c>email_verified: true</c> counts.
    /// </summary>
    public bool TrustProviderEmails { get; init; }

    /// <summary>The <c>amr</c> values (RFC 8176) that say the provider checked a second factor.</summary>
    public static readonly string[] SecondFactorMethods = ["mfa", "otp", "hwk"];

    /// <summary>What is wrong with these options, in words for the operator; null when they can be used.</summary>
    public string? Problem()
    {
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            return $"--oidc-authority \"{Authority}\" is not an http(s) URL such as https://login.example.com/realms/kith.";
        if (authority.Scheme == "http" && !IsLoopback(authority))
            return $"--oidc-authority \"{Authority}\" uses plain http; only https is accepted (http only for a provider on this machine, localhost or 127.0.0.1).";
        if (!string.IsNullOrEmpty(authority.Query) || !string.IsNullOrEmpty(authority.Fragment))
            return $"--oidc-authority \"{Authority}\" must be the issuer URL, without ?query or #fragment.";
        if (string.IsNullOrWhiteSpace(ClientId))
            return "--oidc-client-id is required with --oidc-authority (the client id the provider gave Kith).";
        if (string.IsNullOrWhiteSpace(DisplayName) || DisplayName.Length > 50)
            return "--oidc-name must have 1 to 50 characters.";
        if (CreateUsersAs == Role.Admin)
            return "--oidc-create-users cannot be admin: make administrators by hand (kith users add, or Admin → Users).";
        return null;
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
}
