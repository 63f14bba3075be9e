using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Customers;

/// <summary>Takes a customer out of the bin. After <see cref="RestoreWindow"/> a deleted record is no longer restorable.</summary>
public sealed class RestoreCustomer(KithDb db, ChangeLog history, CustomerQueries queries, TimeProvider clock)
{
    public static readonly TimeSpan RestoreWindow = TimeSpan.FromDays(30);

    public async Task<CustomerDetail> HandleAsync(long id, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - RestoreWindow;
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Id == id && c.DeletedAt != null && c.DeletedAt >= since && c.MergedIntoId == null, ct);
        if (customer is null || !scope.CanReachOwner(customer.OwnerId)) throw new NotFound("Deleted customer");
        scope.EnsureCanDelete();
        var actor = scope.Actor(via);
        customer.DeletedAt = null;
        customer.StampUpdated(actor, now);
        customer.Version++;
        history.Restored(ChangeLog.CustomerEntity, id, actor, now);
        await RecordSaving.SaveAsync(db, "Customer", ct);
        return (await queries.DetailAsync(id, includeDeleted: false, ct) ?? throw new NotFound("Customer")).For(scope.Fields);
    }
}
