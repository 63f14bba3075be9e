using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>Who the OpenID provider says signed in, from its validated ID token (and user-info answer).</summary>
public sealed record OpenIdIdentity(string Issuer, string Subject, string? Email, bool EmailVerified, string? Name);

/// <summary>Why an OpenID sign-in opens no Kith account.</summary>
public enum OpenIdRefusal
{
    /// <summary>The provider confirmed the email, but no Kith user has it and Kith does not create users.</summary>
    NoAccount,
    /// <summary>No link yet, and the provider did not confirm the email address, so it proves nothing.</summary>
    EmailNotVerified,
    /// <summary>The Kith user is disabled.</summary>
    Disabled,
}

/// <summary>The Kith user the sign-in opens, or why it opens none.</summary>
public sealed record OpenIdOutcome(User? User, OpenIdRefusal? Refusal)
{
    public static OpenIdOutcome Refused(OpenIdRefusal why) => new(null, why);
}

/// <summary>
/// Turns an identity proven at the OpenID provider into a Kith user, in this order: the stored link (issuer and
/// subject); else the user with the same email, only when the provider says it verified that email (the link is
/// stored then, so a later email change at the provider changes nothing); else a new user of the configured role,
/// when the operator allows it; else nobody. A disabled user is refused whichever way they were found. It proves
/// identity only: whether a second factor is still needed is decided after it, as for a password.
/// </summary>
public sealed class SignInWithOpenId(KithDb db, TimeProvider clock)
{
    /// <param name="createAs">The role of users created on their first sign-in; null: unknown people are refused.</param>
    public async Task<OpenIdOutcome> HandleAsync(OpenIdIdentity identity, Role? createAs, CancellationToken ct = default)
    {
        try
        {
            return await SignInAsync(identity, createAs, ct);
        }
        // Two first sign-ins of one person at once (two tabs, a double click, a retried callback) both find no link;
        // the second to save hits the unique (issuer, subject) link or the unique email of the user the first created.
        // Asked again, it finds what the first stored and signs in through it.
        catch (DbUpdateException e) when (Customers.RecordSaving.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
            return await SignInAsync(identity, createAs, ct);
        }
    }

    private async Task<OpenIdOutcome> SignInAsync(OpenIdIdentity identity, Role? createAs, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var link = await db.OpenIdLinks.FirstOrDefaultAsync(l => l.Issuer == identity.Issuer && l.Subject == identity.Subject, ct);
        if (link is not null)
        {
            var linked = await db.Users.FirstAsync(u => u.Id == link.UserId, ct);
            if (linked.IsDisabled) return OpenIdOutcome.Refused(OpenIdRefusal.Disabled);
            link.LastUsedAt = now;
            linked.LastSignInAt = now;
            await db.SaveChangesAsync(ct);
            return new OpenIdOutcome(linked, null);
        }

        // An unverified email is whatever the person typed at the provider: it must not open someone else's account,
        // nor claim an address for a new one. The answer does not depend on whether a Kith user has that email.
        var email = UserAccounts.NormalizeEmail(identity.Email);
        if (!identity.EmailVerified || UserAccounts.EmailProblem(email) is not null)
            return OpenIdOutcome.Refused(OpenIdRefusal.EmailNotVerified);

        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, ct);
        if (user is { IsDisabled: true }) return OpenIdOutcome.Refused(OpenIdRefusal.Disabled);
        if (user is null)
        {
            if (createAs is not { } role) return OpenIdOutcome.Refused(OpenIdRefusal.NoAccount);
            var name = (identity.Name ?? "").Trim();
            // No password: this user signs in through the provider until an administrator sets one.
            user = new User
            {
                Email = email,
                DisplayName = name.Length is > 0 and <= 200 ? name : email.Split('@')[0],
                Role = role,
                CreatedAt = now,
            };
            db.Users.Add(user);
            db.Audit(AuditActions.UserCreated, "user", user, new { user.Email, user.Role, method = "oidc" },
                new AuditWho(ActorKind.User, null, email));
        }
        db.OpenIdLinks.Add(new OpenIdLink { User = user, Issuer = identity.Issuer, Subject = identity.Subject, CreatedAt = now, LastUsedAt = now });
        user.LastSignInAt = now;
        await db.SaveChangesAsync(ct);
        return new OpenIdOutcome(user, null);
    }
}
