using System.ComponentModel.DataAnnotations;
using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

public sealed class CreateUser
{
    [Required, MaxLength(254)] public string Email { get; set; } = "";
    [MaxLength(200)] public string? DisplayName { get; set; }
    public Role Role { get; set; } = Role.Agent;
    [Required] public string Password { get; set; } = "";
    /// <summary>"en" or "zh-Hans"; English when absent.</summary>
    public string? Language { get; set; }
}

/// <summary>What an admin may change on a user; a null member is left as it is.</summary>
public sealed class UpdateUser
{
    public Role? Role { get; set; }
    public bool? Disabled { get; set; }
    [MaxLength(200)] public string? DisplayName { get; set; }
    public string? Language { get; set; }
}

/// <summary>A user as lists and the API show them: never the password hash or the security stamp.</summary>
public sealed record UserListItem(
    long Id, string Email, string DisplayName, Role Role, string Language, bool Disabled,
    DateTime CreatedAt, DateTime? LastSignInAt, IReadOnlyList<long> TeamIds);

/// <summary>
/// Creates users and changes them. Every change to what a user may do (role, password, disabled) replaces their
/// security stamp, which ends their browser sessions at the next request; a disabled user's API tokens are refused
/// because the bearer handler checks the user on every request.
/// </summary>
public sealed class UserAccounts(KithDb db, TimeProvider clock)
{
    public static readonly string[] Languages = ["en", "zh-Hans"];

    public static string NormalizeEmail(string? email) => (email ?? "").Trim().ToLowerInvariant();

    public Task<bool> AnyAsync(CancellationToken ct = default) => db.Users.AnyAsync(ct);

    /// <summary>
    /// Whether someone can administer Kith. Until then the one-time setup page is offered; demo data creates
    /// owners (agents and managers) but never an administrator, so `serve --demo` still starts with setup.
    /// </summary>
    public Task<bool> HasAdministratorAsync(CancellationToken ct = default) =>
        db.Users.AnyAsync(u => u.Role == Role.Admin && !u.IsDisabled, ct);

    public async Task<User> CreateAsync(CreateUser request, CancellationToken ct = default)
    {
        var email = NormalizeEmail(request.Email);
        var errors = new Dictionary<string, string[]>();
        if (EmailProblem(email) is { } emailProblem) errors["email"] = [emailProblem];
        var displayName = (request.DisplayName ?? "").Trim();
        if (displayName.Length > 200) errors["displayName"] = ["The display name must have at most 200 characters."];
        var language = request.Language ?? "en";
        if (!Languages.Contains(language)) errors["language"] = [$"The language must be one of: {string.Join(", ", Languages)}."];
        if (!Enum.IsDefined(request.Role)) errors["role"] = ["The role must be admin, manager, agent or viewer."];
        if (Passwords.Problem(request.Password, email) is { } passwordProblem) errors["password"] = [passwordProblem];
        if (errors.Count > 0) throw new RuleViolation(errors.First().Value[0], errors);
        if (await db.Users.AnyAsync(u => u.Email == email, ct))
            throw new RuleViolation("A user with this email already exists.", new Dictionary<string, string[]> { ["email"] = ["A user with this email already exists."] }, 409);

        var user = new User
        {
            Email = email,
            DisplayName = displayName.Length > 0 ? displayName : email.Split('@')[0],
            Role = request.Role,
            Language = language,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        user.PasswordHash = Passwords.Hash(user, request.Password);
        db.Users.Add(user);
        db.Audit(AuditActions.UserCreated, "user", user, new { user.Email, user.Role });
        await db.SaveChangesAsync(ct);
        return user;
    }

    public async Task<List<UserListItem>> ListAsync(CancellationToken ct = default)
    {
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct);
        var memberships = await db.TeamMembers.AsNoTracking().ToListAsync(ct);
        var teams = memberships.ToLookup(m => m.UserId, m => m.TeamId);
        return users.Select(u => Item(u, teams[u.Id].Order().ToList())).ToList();
    }

    public async Task<UserListItem> GetAsync(long id, CancellationToken ct = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFound("User");
        var teams = await db.TeamMembers.Where(m => m.UserId == id).Select(m => m.TeamId).OrderBy(t => t).ToListAsync(ct);
        return Item(user, teams);
    }

    public Task<User?> FindAsync(long id, CancellationToken ct = default) =>
        db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id && !u.IsDisabled, ct);

    public Task<User?> FindByEmailAsync(string email, CancellationToken ct = default)
    {
        var normalized = NormalizeEmail(email);
        return db.Users.FirstOrDefaultAsync(u => u.Email == normalized, ct);
    }

    public async Task<UserListItem> UpdateAsync(long id, UpdateUser request, CancellationToken ct = default)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFound("User");
        var errors = new Dictionary<string, string[]>();
        if (request.Role is { } r && !Enum.IsDefined(r)) errors["role"] = ["The role must be admin, manager, agent or viewer."];
        if (request.Language is { } l && !Languages.Contains(l)) errors["language"] = [$"The language must be one of: {string.Join(", ", Languages)}."];
        if (request.DisplayName is { } d && (d.Trim().Length is 0 or > 200)) errors["displayName"] = ["The display name must have 1 to 200 characters."];
        if (errors.Count > 0) throw new RuleViolation(errors.First().Value[0], errors);

        var losesAdmin = user.Role == Role.Admin && !user.IsDisabled
                         && (request.Role is { } newRole && newRole != Role.Admin || request.Disabled == true);
        if (losesAdmin && !await db.Users.AnyAsync(u => u.Id != id && u.Role == Role.Admin && !u.IsDisabled, ct))
            throw new RuleViolation("This is the last active administrator; make another user an administrator first.", status: 409);

        var rightsChange = request.Role is { } role && role != user.Role || request.Disabled is { } disabled && disabled != user.IsDisabled;
        UserAudit.Changes(db, user, request);
        if (request.Role is { } setRole) user.Role = setRole;
        if (request.Disabled is { } setDisabled) user.IsDisabled = setDisabled;
        if (request.DisplayName is { } name) user.DisplayName = name.Trim();
        if (request.Language is { } language) user.Language = language;
        if (rightsChange) user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        if (rightsChange) await EndSessionRowsAsync(id, ct);
        return await GetAsync(id, ct);
    }

    /// <summary>An admin (or the CLI) sets a new password without knowing the old one.</summary>
    public async Task ResetPasswordAsync(long id, string password, CancellationToken ct = default)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFound("User");
        Passwords.Ensure(password, user.Email);
        db.Audit(AuditActions.PasswordReset, "user", id, new { user.Email });
        user.PasswordHash = Passwords.Hash(user, password);
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        await EndSessionRowsAsync(id, ct);
    }

    /// <summary>
    /// A user changes their own password, proving they know the current one. Every session ends (the caller starts a
    /// new one for the browser that made the change). Returns the updated user.
    /// </summary>
    public async Task<User> ChangeOwnPasswordAsync(long id, string currentPassword, string newPassword, CancellationToken ct = default)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && !u.IsDisabled, ct) ?? throw new NotFound("User");
        if (!Passwords.Verify(user, currentPassword ?? "", out _))
            throw RuleViolation.Field("currentPassword", "The current password is not correct.");
        Passwords.Ensure(newPassword, user.Email, "newPassword");
        user.PasswordHash = Passwords.Hash(user, newPassword);
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        await EndSessionRowsAsync(id, ct);
        return user;
    }

    /// <summary>A user's own display name and language; neither changes what they may do, so the stamp stays.</summary>
    public async Task<User> UpdateProfileAsync(long id, string displayName, string language, CancellationToken ct = default)
    {
        await UpdateAsync(id, new UpdateUser { DisplayName = displayName, Language = language }, ct);
        return await db.Users.AsNoTracking().FirstAsync(u => u.Id == id, ct);
    }

    /// <summary>
    /// The user whose email and password match, or null. Unknown accounts cost the same hashing work as known ones,
    /// so the time taken does not reveal whether an account exists.
    /// </summary>
    public async Task<User?> CheckPasswordAsync(string email, string password, CancellationToken ct = default)
    {
        var normalized = NormalizeEmail(email);
        var user = normalized.Length is > 0 and <= 254 ? await db.Users.FirstOrDefaultAsync(u => u.Email == normalized, ct) : null;
        if (user is null || password.Length > Passwords.MaxLength)
        {
            Passwords.VerifyNobody(password.Length > Passwords.MaxLength ? "" : password);
            return null;
        }
        if (!Passwords.Verify(user, password, out var rehash) || user.IsDisabled) return null;
        if (rehash) user.PasswordHash = Passwords.Hash(user, password);
        user.LastSignInAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return user;
    }

    // The new stamp already voids the sessions; deleting their rows keeps the session list true.
    private Task EndSessionRowsAsync(long id, CancellationToken ct) =>
        db.UserSessions.Where(s => s.UserId == id).ExecuteDeleteAsync(ct);

    internal static string NewStamp() => Guid.NewGuid().ToString("N");

    internal static string? EmailProblem(string email)
    {
        if (email.Length == 0) return "Enter an email address.";
        if (email.Length > 254) return "The email address must have at most 254 characters.";
        var at = email.IndexOf('@');
        if (at <= 0 || at != email.LastIndexOf('@') || at == email.Length - 1 || email.Any(char.IsWhiteSpace)
            || !email[(at + 1)..].Contains('.') || email.EndsWith('.') || !new EmailAddressAttribute().IsValid(email))
            return "Enter a valid email address, such as name@example.com.";
        return null;
    }

    private static UserListItem Item(User u, IReadOnlyList<long> teams) =>
        new(u.Id, u.Email, u.DisplayName, u.Role, u.Language, u.IsDisabled, u.CreatedAt, u.LastSignInAt, teams);
}
