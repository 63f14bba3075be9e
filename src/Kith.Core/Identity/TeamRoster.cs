using Kith.Core.Audit;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Identity;

public sealed record TeamItem(long Id, string Name, DateTime CreatedAt, IReadOnlyList<TeamMemberItem> Members);

public sealed record TeamMemberItem(long UserId, string Email, string DisplayName, Role Role);

/// <summary>
/// Teams and their members. Admins manage every team; a manager manages the teams they belong to (rename, add and
/// remove members) but cannot create or delete teams, since a team decides whose records its members see.
/// A null caller is the command line, run by whoever holds the database.
/// </summary>
public sealed class TeamRoster(KithDb db, TimeProvider clock)
{
    public async Task<List<TeamItem>> ListAsync(AccessScope? caller, CancellationToken ct = default)
    {
        EnsureManagerOrAdmin(caller);
        var query = db.Teams.AsNoTracking();
        if (caller is { IsAdmin: false })
        {
            var mine = db.TeamMembers.Where(m => m.UserId == caller.UserId).Select(m => m.TeamId);
            query = query.Where(t => mine.Contains(t.Id));
        }
        var teams = await query.OrderBy(t => t.Name).ToListAsync(ct);
        var ids = teams.Select(t => t.Id).ToList();
        var members = await (from m in db.TeamMembers
                             join u in db.Users on m.UserId equals u.Id
                             where ids.Contains(m.TeamId)
                             orderby u.Email
                             select new { m.TeamId, Member = new TeamMemberItem(u.Id, u.Email, u.DisplayName, u.Role) }).ToListAsync(ct);
        var byTeam = members.ToLookup(m => m.TeamId, m => m.Member);
        return teams.Select(t => new TeamItem(t.Id, t.Name, t.CreatedAt, byTeam[t.Id].ToList())).ToList();
    }

    public async Task<TeamItem> GetAsync(AccessScope? caller, long id, CancellationToken ct = default)
    {
        var all = await ListAsync(caller, ct);
        return all.FirstOrDefault(t => t.Id == id) ?? throw new NotFound("Team");
    }

    public async Task<TeamItem> CreateAsync(AccessScope? caller, string name, CancellationToken ct = default)
    {
        EnsureAdmin(caller, "Only administrators may create teams.");
        name = await CheckNameAsync(name, null, ct);
        var team = new Team { Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Teams.Add(team);
        db.Audit(AuditActions.TeamChanged, "team", team, new { change = "created", name });
        await db.SaveChangesAsync(ct);
        return new TeamItem(team.Id, team.Name, team.CreatedAt, []);
    }

    public async Task<TeamItem> RenameAsync(AccessScope? caller, long id, string name, CancellationToken ct = default)
    {
        var team = await FindManagedAsync(caller, id, ct);
        db.Audit(AuditActions.TeamChanged, "team", id, new { change = "renamed", old = team.Name, @new = name.Trim() });
        team.Name = await CheckNameAsync(name, id, ct);
        await db.SaveChangesAsync(ct);
        return await GetAsync(caller, id, ct);
    }

    public async Task DeleteAsync(AccessScope? caller, long id, CancellationToken ct = default)
    {
        EnsureAdmin(caller, "Only administrators may delete teams.");
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFound("Team");
        db.TeamMembers.RemoveRange(db.TeamMembers.Where(m => m.TeamId == id));
        db.Teams.Remove(team);
        db.Audit(AuditActions.TeamChanged, "team", id, new { change = "deleted", team.Name });
        await db.SaveChangesAsync(ct);
    }

    public async Task<TeamItem> AddMemberAsync(AccessScope? caller, long teamId, long userId, CancellationToken ct = default)
    {
        await FindManagedAsync(caller, teamId, ct);
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct))
            throw RuleViolation.Field("userId", "There is no user with this id.");
        if (!await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == userId, ct))
        {
            db.TeamMembers.Add(new TeamMember { TeamId = teamId, UserId = userId });
            db.Audit(AuditActions.TeamChanged, "team", teamId, new { change = "memberAdded", userId });
            await db.SaveChangesAsync(ct);
        }
        return await GetAsync(caller, teamId, ct);
    }

    public async Task<TeamItem> RemoveMemberAsync(AccessScope? caller, long teamId, long userId, CancellationToken ct = default)
    {
        await FindManagedAsync(caller, teamId, ct);
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == userId, ct)
                     ?? throw new NotFound("Team member");
        db.TeamMembers.Remove(member);
        db.Audit(AuditActions.TeamChanged, "team", teamId, new { change = "memberRemoved", userId });
        await db.SaveChangesAsync(ct);
        // A manager who removes themselves no longer manages the team; answer with what they last saw.
        return caller is null or { IsAdmin: true } || userId != caller.UserId
            ? await GetAsync(caller, teamId, ct)
            : new TeamItem(teamId, "", default, []);
    }

    private async Task<Team> FindManagedAsync(AccessScope? caller, long id, CancellationToken ct)
    {
        EnsureManagerOrAdmin(caller);
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFound("Team");
        if (caller is { IsAdmin: false } && !await db.TeamMembers.AnyAsync(m => m.TeamId == id && m.UserId == caller.UserId, ct))
            throw new NotFound("Team");
        return team;
    }

    private async Task<string> CheckNameAsync(string? name, long? id, CancellationToken ct)
    {
        name = (name ?? "").Trim();
        if (name.Length is 0 or > 100) throw RuleViolation.Field("name", "A team needs a name of 1 to 100 characters.");
        if (await db.Teams.AnyAsync(t => t.Name == name && t.Id != id, ct))
            throw new RuleViolation("A team with this name already exists.", new Dictionary<string, string[]> { ["name"] = ["A team with this name already exists."] }, 409);
        return name;
    }

    private static void EnsureAdmin(AccessScope? caller, string message)
    {
        if (caller is { IsAdmin: false }) throw new Forbidden(message);
    }

    private static void EnsureManagerOrAdmin(AccessScope? caller)
    {
        if (caller is not null && caller.Role is not (Role.Admin or Role.Manager))
            throw new Forbidden("Only administrators and managers may manage teams.");
    }
}
