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

    /// <summary>Filters to the communications the user may read, customer reach included.</summary>
    public static IQueryable<Communication> Visible(KithDb db, AccessScope scope, IQueryable<Communication> query)
    {
        var customers = scope.Visible(db.Customers.AsNoTracking());
        return ReadableOfVisibleCustomer(scope, query.Where(c => customers.Any(cu => cu.Id == c.CustomerId)));
    }

    /// <summary>The private-communication rule alone, for queries that already checked the customer.</summary>
    public static IQueryable<Communication> ReadableOfVisibleCustomer(AccessScope scope, IQueryable<Communication> query)
    {
        if (PrivateReach(scope) is not { } reach) return query;
        var users = reach.ToArray();
        return query.Where(c => c.Visibility == CommunicationVisibility.Customer
                                || c.Participants.Any(p => p.UserId != null && users.Contains(p.UserId.Value)));
    }
}
