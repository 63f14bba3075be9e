using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>
/// What one signed-in user may reach, worked out once per request from their role's policy and their teams.
/// Every read and write of an owned record goes through <see cref="Visible{T}"/> or <see cref="CanSee"/>, so a
/// record out of reach is simply absent: 404 to read, update and delete, missing from lists, search and totals.
/// </summary>
public sealed class AccessScope
{
    public required long UserId { get; init; }
    public required Role Role { get; init; }
    public required RolePolicy Policy { get; init; }
    /// <summary>Owners whose records the user reaches; null means every owner.</summary>
    public required IReadOnlySet<long>? OwnerIds { get; init; }
    /// <summary>The customer and company fields the user may see and write (their role's field rules).</summary>
    public FieldAccess Fields { get; init; } = FieldAccess.Open;

    public Actor Actor(ActorKind kind) => new(kind, UserId);

    public bool CanSee(IOwnedRecord record) => record.DeletedAt is null && CanReachOwner(record.OwnerId);

    public bool CanReachOwner(long ownerId) => OwnerIds is null || OwnerIds.Contains(ownerId);

    public IQueryable<T> Visible<T>(IQueryable<T> query) where T : class, IOwnedRecord
    {
        query = query.Where(r => r.DeletedAt == null);
        if (OwnerIds is null) return query;
        var owners = OwnerIds.ToArray();
        return owners.Length == 1 ? query.Where(r => r.OwnerId == owners[0]) : query.Where(r => owners.Contains(r.OwnerId));
    }

    /// <summary>
    /// The bin: records in reach deleted since <paramref name="since"/> (the restore window), most recently deleted
    /// first. The same reach rule as <see cref="Visible{T}"/>, over deleted records instead of live ones.
    /// </summary>
    public IQueryable<T> DeletedSince<T>(IQueryable<T> query, DateTime since) where T : class, IOwnedRecord
    {
        query = query.Where(r => r.DeletedAt != null && r.DeletedAt >= since);
        if (OwnerIds is { } owners)
        {
            var list = owners.ToArray();
            query = query.Where(r => list.Contains(r.OwnerId));
        }
        return query.OrderByDescending(r => r.DeletedAt).ThenByDescending(r => r.Id);
    }

    public void EnsureCanCreate()
    {
        if (!Policy.CanCreate) throw new Forbidden("Your role may not create records.");
    }

    public void EnsureCanEdit()
    {
        if (!Policy.CanEdit) throw new Forbidden("Your role may not change records.");
    }

    public void EnsureCanDelete()
    {
        if (!Policy.CanDelete) throw new Forbidden("Your role may not delete records.");
    }

    public bool IsAdmin => Role == Role.Admin;

    /// <summary>Loads the scope of a user; null when the user does not exist or is disabled.</summary>
    public static async Task<AccessScope?> ForUserAsync(KithDb db, long userId, CancellationToken ct = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && !u.IsDisabled, ct);
        if (user is null) return null;
        var policy = await db.RolePolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Role == user.Role, ct)
                     ?? RolePolicies.Defaults.First(p => p.Role == user.Role);
        IReadOnlySet<long>? owners = policy.Reach switch
        {
            RecordReach.All => null,
            RecordReach.Own => new HashSet<long> { user.Id },
            _ => await TeamMatesAsync(db, user.Id, ct),
        };
        var rules = await db.FieldRules.AsNoTracking().Where(r => r.Role == user.Role).ToListAsync(ct);
        return new AccessScope { UserId = user.Id, Role = user.Role, Policy = policy, OwnerIds = owners, Fields = new FieldAccess(rules) };
    }

    private static async Task<HashSet<long>> TeamMatesAsync(KithDb db, long userId, CancellationToken ct)
    {
        var teams = db.TeamMembers.Where(m => m.UserId == userId).Select(m => m.TeamId);
        var mates = await db.TeamMembers.Where(m => teams.Contains(m.TeamId)).Select(m => m.UserId).Distinct().ToListAsync(ct);
        var set = mates.ToHashSet();
        set.Add(userId);
        return set;
    }
}
