using Kith.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Infrastructure;

public static class DatabaseInitializer
{
    /// <summary>Applies pending migrations and the rows every database needs (role policies). Safe to run on every start.</summary>
    public static async Task MigrateAsync(KithDb db, CancellationToken ct = default)
    {
        await db.Database.MigrateAsync(ct);
        var present = await db.RolePolicies.Select(p => p.Role).ToListAsync(ct);
        foreach (var policy in RolePolicies.Defaults.Where(p => !present.Contains(p.Role)))
            db.RolePolicies.Add(new RolePolicy
            {
                Role = policy.Role, Reach = policy.Reach, CanCreate = policy.CanCreate,
                CanEdit = policy.CanEdit, CanDelete = policy.CanDelete, CanAssign = policy.CanAssign,
            });
        await db.SaveChangesAsync(ct);
    }
}
