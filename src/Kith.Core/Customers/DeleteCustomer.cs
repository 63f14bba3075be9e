using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Customers;

/// <summary>Moves a customer to the bin; <see cref="RestoreCustomer"/> brings it back within <see cref="RestoreCustomer.RestoreWindow"/>.</summary>
public sealed class DeleteCustomer(KithDb db, ChangeLog history, TimeProvider clock)
{
    public async Task HandleAsync(long id, int? expectedVersion, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var customer = await scope.Visible(db.Customers).FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFound("Customer");
        scope.EnsureCanDelete();
        RecordSaving.EnsureVersion(customer.Version, expectedVersion, "Customer");
        var actor = scope.Actor(via);
        var now = clock.GetUtcNow().UtcDateTime;
        customer.DeletedAt = now;
        customer.StampUpdated(actor, now);
        customer.Version++;
        history.Deleted(ChangeLog.CustomerEntity, id, actor, now);
        await RecordSaving.SaveAsync(db, "Customer", ct);
    }
}
