namespace Kith.Core.Identity;

public enum Role { Admin, Manager, Agent, Viewer }

/// <summary>A person who signs in to Kith.</summary>
public sealed class User
{
    public long Id { get; set; }
    /// <summary>Trimmed and lower-cased; unique.</summary>
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public Role Role { get; set; } = Role.Agent;
    /// <summary>UI language: "en" or "zh-Hans".</summary>
    public string Language { get; set; } = "en";
    public bool IsDisabled { get; set; }
    /// <summary>Changes when the password, role or status changes; cookies carrying an older stamp are refused.</summary>
    public string SecurityStamp { get; set; } = Guid.NewGuid().ToString("N");
    public DateTime CreatedAt { get; set; }
    public DateTime? LastSignInAt { get; set; }
    /// <summary>The TOTP key, sealed by SecretBox. Set while enrolling (<see cref="MfaEnabledAt"/> still null) and while enabled.</summary>
    public string? MfaSecret { get; set; }
    /// <summary>When two-factor sign-in was confirmed with a first code; null while it is off.</summary>
    public DateTime? MfaEnabledAt { get; set; }
    /// <summary>The last TOTP time step accepted: a code (and any older one) is accepted once.</summary>
    public long MfaLastStep { get; set; }
}

/// <summary>
/// One signed-in browser. The cookie carries a random key; only its SHA-256 is stored, so a copy of the database
/// does not open anyone's session. Ending a session deletes its row, which the next request notices.
/// </summary>
public sealed class UserSession
{
    public long Id { get; set; }
    public long UserId { get; set; }
    /// <summary>Lower-case hex SHA-256 of the key in the cookie.</summary>
    public string KeyHash { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public string UserAgent { get; set; } = "";
    public string Address { get; set; } = "";
    /// <summary>The sign-in that started the session passed a second factor.</summary>
    public bool PassedMfa { get; set; }
}

/// <summary>A single-use code that stands in for the authenticator app. Only its hash is stored.</summary>
public sealed class MfaRecoveryCode
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public string CodeHash { get; set; } = "";
    public DateTime? UsedAt { get; set; }
}

/// <summary>A group of users whose records are shared among its members.</summary>
public sealed class Team
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}

public sealed class TeamMember
{
    public long TeamId { get; set; }
    public long UserId { get; set; }
}

/// <summary>A bearer token for the API. Only its SHA-256 hash is stored; the token itself is shown once.</summary>
public sealed class ApiToken
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public User? User { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Lower-case hex SHA-256 of the whole token.</summary>
    public string TokenHash { get; set; } = "";
    /// <summary>The first characters of the token, to tell tokens apart in lists.</summary>
    public string Prefix { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

/// <summary>Which records a role reaches and what it may do with them. One row per role; an admin edits them.</summary>
public sealed class RolePolicy
{
    public Role Role { get; set; }
    public RecordReach Reach { get; set; }
    public bool CanCreate { get; set; }
    public bool CanEdit { get; set; }
    public bool CanDelete { get; set; }
    /// <summary>May assign records to another owner.</summary>
    public bool CanAssign { get; set; }
    /// <summary>Users of this role must sign in with a second factor; those without one enrol at their next sign-in.</summary>
    public bool RequireMfa { get; set; }
}

/// <summary>Own: records the user owns. Team: also records owned by members of the user's teams. All: every record.</summary>
public enum RecordReach { Own, Team, All }

/// <summary>
/// A Kith user's account at an OpenID provider: the provider's issuer and its subject (its unchanging id for the
/// person). Once stored, the link decides who signs in, whatever the provider later says the email is.
/// </summary>
public sealed class OpenIdLink
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public User? User { get; set; }
    public string Issuer { get; set; } = "";
    public string Subject { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime LastUsedAt { get; set; }
}

/// <summary>
/// A password reset link sent by mail. Only the SHA-256 of its token is stored; it belongs to one user and to the
/// security stamp they had when it was sent, so a password change or "sign out everywhere" voids it. Using it deletes
/// it, and sending a new one deletes the user's earlier ones.
/// </summary>
public sealed class PasswordResetToken
{
    public long Id { get; set; }
    public long UserId { get; set; }
    /// <summary>Lower-case hex SHA-256 of the token in the link.</summary>
    public string TokenHash { get; set; } = "";
    /// <summary>The user's security stamp when the link was sent.</summary>
    public string Stamp { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}

/// <summary>
/// One failed attempt (or one counted request) against a throttle rule, kept in the database so that every node
/// over one PostgreSQL sees the same counts. The key (an email, an address) is stored only as its SHA-256.
/// </summary>
public sealed class FailedAttempt
{
    public long Id { get; set; }
    /// <summary>The <see cref="ThrottleRule.Name"/>, e.g. "signin.account".</summary>
    public string Rule { get; set; } = "";
    public string KeyHash { get; set; } = "";
    public DateTime At { get; set; }
}
