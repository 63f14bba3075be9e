using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

/// <summary>Reads and changes what each role may reach and do. A role without a stored row uses its default.</summary>
public sealed class RoleSettings(KithDb db)
{
    public async Task<List<RolePolicy>> ListAsync(CancellationToken ct = default)
    {
        var stored = await db.RolePolicies.AsNoTracking().ToListAsync(ct);
        return Enum.GetValues<Role>()
            .Select(r => stored.FirstOrDefault(p => p.Role == r) ?? Copy(RolePolicies.Defaults.First(d => d.Role == r)))
            .ToList();
    }

    /// <summary>
    /// Stores a role's policy. The admin role always reaches every record with every right: otherwise an admin could
    /// lock every admin out of records, and admins manage users anyway.
    /// </summary>
    public async Task<RolePolicy> UpdateAsync(RolePolicy policy, CancellationToken ct = default)
    {
        if (!Enum.IsDefined(policy.Role)) throw RuleViolation.Field("role", "The role must be admin, manager, agent or viewer.");
        if (!Enum.IsDefined(policy.Reach)) throw RuleViolation.Field("reach", "The reach must be own, team or all.");
        if (policy.Role == Role.Admin && !(policy is { Reach: RecordReach.All, CanCreate: true, CanEdit: true, CanDelete: true, CanAssign: true }))
            throw RuleViolation.Field("reach", "The admin role always reaches all records with every right, so that no one can lock the administrators out.");
        var stored = await db.RolePolicies.FirstOrDefaultAsync(p => p.Role == policy.Role, ct);
        if (stored is null)
        {
            stored = new RolePolicy { Role = policy.Role };
            db.RolePolicies.Add(stored);
        }
        db.Audit(AuditActions.PermissionChanged, "role", policy.Role.ToString(), new { old = Copy(stored), @new = Copy(policy) });
        stored.Reach = policy.Reach;
        stored.CanCreate = policy.CanCreate;
        stored.CanEdit = policy.CanEdit;
        stored.CanDelete = policy.CanDelete;
        stored.CanAssign = policy.CanAssign;
        stored.RequireMfa = policy.RequireMfa;
        await db.SaveChangesAsync(ct);
        return Copy(stored);
    }

    /// <summary>Whether users of <paramref name="role"/> must sign in with a second factor.</summary>
    public Task<bool> RequiresMfaAsync(Role role, CancellationToken ct = default) =>
        db.RolePolicies.AnyAsync(p => p.Role == role && p.RequireMfa, ct);

    private static RolePolicy Copy(RolePolicy p) => new()
    {
        Role = p.Role, Reach = p.Reach, CanCreate = p.CanCreate, CanEdit = p.CanEdit, CanDelete = p.CanDelete, CanAssign = p.CanAssign,
        RequireMfa = p.RequireMfa,
    };
}
