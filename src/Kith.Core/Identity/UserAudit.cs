using Kith.Core.Audit;
using Kith.Core.Infrastructure;

namespace Kith.Core.Identity;

/// <summary>What the audit trail says when an admin changes a user: a new role (old and new), disabled or enabled again.</summary>
internal static class UserAudit
{
    public static void Changes(KithDb db, User user, UpdateUser request)
    {
        if (request.Role is { } role && role != user.Role)
            db.Audit(AuditActions.RoleChanged, "user", user.Id, new { user.Email, old = user.Role, @new = role });
        if (request.Disabled is { } disabled && disabled != user.IsDisabled)
            db.Audit(disabled ? AuditActions.UserDisabled : AuditActions.UserEnabled, "user", user.Id, new { user.Email });
    }
}
