using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Customers;

/// <summary>
/// Saves a customer: the whole form from the UI (<see cref="HandleAsync"/>) or a JSON merge patch from the API
/// (<see cref="PatchAsync"/>). With an expected version (If-Match) a save over someone else's newer save is a 412;
/// without one, the version token still stops two concurrent saves from both succeeding.
/// </summary>
public sealed class UpdateCustomer(KithDb db, CustomerWriter writer, ChangeLog history, CustomerQueries queries, TimeProvider clock)
{
    /// <summary>Fields a client sees in the JSON but may never set.</summary>
    public static readonly IReadOnlyCollection<string> ReadOnlyFields =
        ["id", "version", "createdAt", "updatedAt", "createdBy", "updatedBy", "deletedAt", "phoneIsValid", "companyName", "ownerName", "eTag"];

    public async Task<CustomerDetail> HandleAsync(long id, CustomerInput input, int? expectedVersion, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var customer = await LoadAsync(id, expectedVersion, scope, ct);
        if (!scope.Fields.IsOpen)
        {
            var current = (await queries.DetailAsync(id, includeDeleted: false, ct) ?? throw new NotFound("Customer")).ToInput();
            input = scope.Fields.KeepRestricted(CustomFieldEntity.Customer, input, current, MergePatch.Json);
        }
        return await SaveAsync(customer, input, scope, via, ct);
    }

    public async Task<CustomerDetail> PatchAsync(long id, JsonElement patch, int? expectedVersion, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var customer = await LoadAsync(id, expectedVersion, scope, ct);
        scope.Fields.EnsureWritable(CustomFieldEntity.Customer, patch);
        var current = (await queries.DetailAsync(id, includeDeleted: false, ct) ?? throw new NotFound("Customer")).ToInput();
        var input = MergePatch.Apply(current, patch, ReadOnlyFields);
        return await SaveAsync(customer, input, scope, via, ct);
    }

    private async Task<Customer> LoadAsync(long id, int? expectedVersion, AccessScope scope, CancellationToken ct)
    {
        var customer = await scope.Visible(db.Customers).Include(c => c.Tags).FirstOrDefaultAsync(c => c.Id == id, ct)
                       ?? throw new NotFound("Customer");
        scope.EnsureCanEdit();
        RecordSaving.EnsureVersion(customer.Version, expectedVersion, "Customer");
        return customer;
    }

    private async Task<CustomerDetail> SaveAsync(Customer customer, CustomerInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var before = CustomerWriter.Snapshot(customer);
        await writer.ApplyAsync(customer, input, scope, ct);
        var actor = scope.Actor(via);
        var now = clock.GetUtcNow().UtcDateTime;
        if (history.Updated(ChangeLog.CustomerEntity, customer.Id, before, CustomerWriter.Snapshot(customer), actor, now) > 0)
        {
            customer.StampUpdated(actor, now);
            customer.Version++;
            // A customer that gains an external id or email takes the events that waited for it, with the same save.
            var named = customer.ExternalId != before["externalId"] || customer.Email != before["email"];
            await using var tx = named ? await db.Database.BeginTransactionAsync(ct) : null;
            await RecordSaving.SaveAsync(db, "Customer", ct);
            if (tx is not null)
            {
                await Behavior.AttachPendingEvents.ForCustomerAsync(db, customer, ct);
                await tx.CommitAsync(ct);
            }
        }
        return (await queries.DetailAsync(customer.Id, includeDeleted: false, ct) ?? throw new NotFound("Customer")).For(scope.Fields);
    }
}
