namespace Kith.Core.Identity;

public static class RolePolicies
{
    /// <summary>What each role may do until an admin says otherwise.</summary>
    public static IReadOnlyList<RolePolicy> Defaults { get; } =
    [
        new() { Role = Role.Admin, Reach = RecordReach.All, CanCreate = true, CanEdit = true, CanDelete = true, CanAssign = true },
        new() { Role = Role.Manager, Reach = RecordReach.Team, CanCreate = true, CanEdit = true, CanDelete = true, CanAssign = true },
        new() { Role = Role.Agent, Reach = RecordReach.Team, CanCreate = true, CanEdit = true, CanDelete = true, CanAssign = false },
        new() { Role = Role.Viewer, Reach = RecordReach.Team, CanCreate = false, CanEdit = false, CanDelete = false, CanAssign = false },
    ];
}
