using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Companies;

/// <summary>Creates a company owned by the caller (or, for roles that may assign, by the owner named in the input).</summary>
public sealed class CreateCompany(KithDb db, CompanyWriter writer, ChangeLog history, CompanyQueries queries, TimeProvider clock)
{
    public async Task<CompanyDetail> HandleAsync(CompanyInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        scope.Fields.EnsureUnset(CustomFieldEntity.Company, input, MergePatch.Json);
        var company = new Company();
        await writer.ApplyAsync(company, input, scope, ct);
        var actor = scope.Actor(via);
        var now = clock.GetUtcNow().UtcDateTime;
        company.StampCreated(actor, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Companies.Add(company);
        await RecordSaving.SaveAsync(db, "Company", ct);
        history.Created(ChangeLog.CompanyEntity, company.Id, actor, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (await queries.DetailAsync(company.Id, scope, ct) ?? throw new NotFound("Company")).For(scope.Fields);
    }
}
