using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Companies;

/// <summary>Moves a company to the bin. Its customers keep the link, so restoring the company restores the picture.</summary>
public sealed class DeleteCompany(KithDb db, ChangeLog history, TimeProvider clock)
{
    public async Task HandleAsync(long id, int? expectedVersion, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var company = await scope.Visible(db.Companies).FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFound("Company");
        scope.EnsureCanDelete();
        RecordSaving.EnsureVersion(company.Version, expectedVersion, "Company");
        var actor = scope.Actor(via);
        var now = clock.GetUtcNow().UtcDateTime;
        company.DeletedAt = now;
        company.StampUpdated(actor, now);
        company.Version++;
        history.Deleted(ChangeLog.CompanyEntity, id, actor, now);
        await RecordSaving.SaveAsync(db, "Company", ct);
    }
}
