using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Customers;

/// <summary>
/// Creates a customer owned by the caller (or, for roles that may assign, by the owner named in the input); an email
/// that a live customer in the caller's reach already has is a 409 naming that customer (<see cref="EmailInUse"/>).
/// </summary>
public sealed class CreateCustomer(KithDb db, CustomerWriter writer, ChangeLog history, CustomerQueries queries,
    Privacy.ErasedPeople erased, TimeProvider clock)
{
    public async Task<CustomerDetail> HandleAsync(CustomerInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        scope.Fields.EnsureUnset(CustomFieldEntity.Customer, input, MergePatch.Json);
        var customer = new Customer();
        await writer.ApplyAsync(customer, input, scope, ct);
        if (await erased.MatchAsync(db, customer.Email, customer.Phone, customer.ExternalId, ct) is { } field)
            throw Privacy.ErasedPeople.Refusal(field);
        var actor = scope.Actor(via);
        var now = clock.GetUtcNow().UtcDateTime;
        customer.StampCreated(actor, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await EmailInUse.EnsureFreeAsync(db, scope, customer.Email, ct);
        db.Customers.Add(customer);
        await RecordSaving.SaveAsync(db, "Customer", ct);
        await Behavior.AttachPendingEvents.ForCustomerAsync(db, customer, ct);
        history.Created(ChangeLog.CustomerEntity, customer.Id, actor, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (await queries.DetailAsync(customer.Id, includeDeleted: false, ct) ?? throw new NotFound("Customer")).For(scope.Fields);
    }
}
