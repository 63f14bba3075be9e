using Kith.Core.Audit;
using Kith.Core.CustomFields;
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

    /// <summary>The fields restricted for a role, customers first, then by field.</summary>
    public async Task<List<FieldRule>> FieldRulesAsync(Role role, CancellationToken ct = default) =>
        (await db.FieldRules.AsNoTracking().Where(r => r.Role == role).ToListAsync(ct))
        .OrderBy(r => r.Entity).ThenBy(r => r.Field, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Replaces the field rules of a role. A built-in field must be one of <see cref="FieldAccess.Restrictable"/> and a
    /// custom field (<c>cf.key</c>) must exist. Admins see every field: they define the fields and the rules.
    /// </summary>
    public async Task<List<FieldRule>> ReplaceFieldRulesAsync(Role role, IReadOnlyList<FieldRule> rules, CancellationToken ct = default)
    {
        if (role == Role.Admin && rules.Count > 0)
            throw RuleViolation.Field("fields", "Administrators always see and change every field: they define the fields and these rules.");
        var customKeys = await db.CustomFields.AsNoTracking().Select(f => new { f.Entity, f.Key }).ToListAsync(ct);
        var wanted = new Dictionary<(CustomFieldEntity, string), FieldRule>();
        foreach (var rule in rules)
        {
            if (!Enum.IsDefined(rule.Entity)) throw RuleViolation.Field("entity", "The entity must be customer or company.");
            if (!Enum.IsDefined(rule.Restriction)) throw RuleViolation.Field("restriction", "The restriction must be hidden or readOnly.");
            var field = rule.Field.Trim();
            bool known;
            if (field.StartsWith(FieldAccess.CustomPrefix, StringComparison.Ordinal))
                known = customKeys.Any(k => k.Entity == rule.Entity && FieldAccess.CustomPrefix + k.Key == field);
            else
            {
                var builtIn = FieldAccess.Restrictable[rule.Entity].Keys.FirstOrDefault(k => k.Equals(field, StringComparison.OrdinalIgnoreCase));
                known = builtIn is not null;
                field = builtIn ?? field;
            }
            if (!known)
                throw RuleViolation.Field("field", $"'{rule.Field}' is not a {rule.Entity.ToString().ToLowerInvariant()} field that can be restricted; use one of: " +
                    string.Join(", ", FieldAccess.Restrictable[rule.Entity].Keys.Append("cf.<key>")) + ".");
            if (!wanted.TryAdd((rule.Entity, field), new FieldRule { Role = role, Entity = rule.Entity, Field = field, Restriction = rule.Restriction }))
                throw RuleViolation.Field("field", $"'{field}' is named twice.");
        }
        db.FieldRules.RemoveRange(await db.FieldRules.Where(r => r.Role == role).ToListAsync(ct));
        await db.SaveChangesAsync(ct);
        db.FieldRules.AddRange(wanted.Values);
        await db.SaveChangesAsync(ct);
        return await FieldRulesAsync(role, ct);
    }

    private static RolePolicy Copy(RolePolicy p) => new()
    {
        Role = p.Role, Reach = p.Reach, CanCreate = p.CanCreate, CanEdit = p.CanEdit, CanDelete = p.CanDelete, CanAssign = p.CanAssign,
        RequireMfa = p.RequireMfa,
    };
}
