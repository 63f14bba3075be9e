using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

/// <summary>
/// Which communications a user may read: those of customers in their reach, except private ones
/// (<see cref="CommunicationVisibility.Participants"/>), which only their user participants and the people who
/// manage them read. "Manage" means a manager or admin whose record reach includes a participant (a team manager
/// reads their team's private mail; an admin, everyone's). Out of reach answers 404, like every record.
/// </summary>
public static class CommunicationAccess
{
    /// <summary>The users whose private communications this user reads; null means everyone's.</summary>
    public static IReadOnlySet<long>? PrivateReach(AccessScope scope) =>
        scope.Role is Role.Admin or Role.Manager ? scope.OwnerIds : new HashSet<long> { scope.UserId };

    /// <summary>The private-communication rule alone, for queries that already checked the customer.</summary>
    public static IQueryable<Communication> ReadableOfVisibleCustomer(AccessScope scope, IQueryable<Communication> query)
    {
        if (PrivateReach(scope) is not { } reach) return query;
        var users = reach.ToArray();
        return query.Where(c => c.Visibility == CommunicationVisibility.Customer
                                || c.Participants.Any(p => p.UserId != null && users.Contains(p.UserId.Value)));
    }

    /// <summary>
    /// The communications of a page the user may read, when their customer is already known to be in reach. Checked
    /// after reading rather than in the query: a correlated test of the participants made PostgreSQL hash every
    /// participant row of the user (a sequential scan) for each page, where this is one index lookup per page.
    /// </summary>
    public static async Task<List<Communication>> ReadableAsync(KithDb db, AccessScope scope, IReadOnlyList<Communication> page, CancellationToken ct)
    {
        var candidates = page.Where(c => c.Visibility == CommunicationVisibility.Participants).Select(c => c.Id).ToArray();
        if (PrivateReach(scope) is not { } reach || candidates.Length == 0) return page.ToList();
        var users = reach.ToArray();
        var readable = (await db.CommunicationParticipants.AsNoTracking()
            .Where(p => candidates.Contains(p.CommunicationId) && p.UserId != null && users.Contains(p.UserId.Value))
            .Select(p => p.CommunicationId).ToListAsync(ct)).ToHashSet();
        return page.Where(c => c.Visibility == CommunicationVisibility.Customer || readable.Contains(c.Id)).ToList();
    }

    /// <summary>Whether the user may read this one communication (its customer in reach, and the private rule).</summary>
    public static async Task<bool> CanReadAsync(KithDb db, AccessScope scope, long id, CancellationToken ct)
    {
        var customers = scope.Visible(db.Customers.AsNoTracking());
        var row = await db.Communications.AsNoTracking().Where(c => c.Id == id && customers.Any(cu => cu.Id == c.CustomerId))
            .Select(c => new Communication { Id = c.Id, Visibility = c.Visibility }).FirstOrDefaultAsync(ct);
        return row is not null && (await ReadableAsync(db, scope, [row], ct)).Count == 1;
    }
}
