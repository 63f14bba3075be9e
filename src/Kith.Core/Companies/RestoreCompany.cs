using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Companies;

/// <summary>Takes a company out of the bin within <see cref="RestoreCustomer.RestoreWindow"/> of its deletion.</summary>
public sealed class RestoreCompany(KithDb db, ChangeLog history, CompanyQueries queries, TimeProvider clock)
{
    public async Task<CompanyDetail> HandleAsync(long id, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - RestoreCustomer.RestoreWindow;
        var company = await db.Companies.FirstOrDefaultAsync(c => c.Id == id && c.DeletedAt != null && c.DeletedAt >= since, ct);
        if (company is null || !scope.CanReachOwner(company.OwnerId)) throw new NotFound("Deleted company");
        scope.EnsureCanDelete();
        var actor = scope.Actor(via);
        company.DeletedAt = null;
        company.StampUpdated(actor, now);
        company.Version++;
        history.Restored(ChangeLog.CompanyEntity, id, actor, now);
        await RecordSaving.SaveAsync(db, "Company", ct);
        return (await queries.DetailAsync(id, scope, ct) ?? throw new NotFound("Company")).For(scope.Fields);
    }
}
