using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Companies;

/// <summary>
/// Saves a company from the whole form (<see cref="HandleAsync"/>) or a JSON merge patch (<see cref="PatchAsync"/>).
/// A new name is written into the search text of the company's customers in the same transaction, so searching
/// customers by company name finds them under the new name at once.
/// </summary>
public sealed class UpdateCompany(KithDb db, CompanyWriter writer, ChangeLog history, CompanyQueries queries, TimeProvider clock)
{
    public static readonly IReadOnlyCollection<string> ReadOnlyFields =
        ["id", "version", "createdAt", "updatedAt", "createdBy", "updatedBy", "deletedAt", "phoneIsValid", "ownerName", "customerCount", "eTag"];

    public async Task<CompanyDetail> HandleAsync(long id, CompanyInput input, int? expectedVersion, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var company = await LoadAsync(id, expectedVersion, scope, ct);
        if (!scope.Fields.IsOpen)
        {
            var current = (await queries.DetailAsync(id, scope, ct) ?? throw new NotFound("Company")).ToInput();
            input = scope.Fields.KeepRestricted(CustomFieldEntity.Company, input, current, MergePatch.Json);
        }
        return await SaveAsync(company, input, scope, via, ct);
    }

    public async Task<CompanyDetail> PatchAsync(long id, JsonElement patch, int? expectedVersion, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var company = await LoadAsync(id, expectedVersion, scope, ct);
        scope.Fields.EnsureWritable(CustomFieldEntity.Company, patch);
        var current = (await queries.DetailAsync(id, scope, ct) ?? throw new NotFound("Company")).ToInput();
        var input = MergePatch.Apply(current, patch, ReadOnlyFields);
        return await SaveAsync(company, input, scope, via, ct);
    }

    private async Task<Company> LoadAsync(long id, int? expectedVersion, AccessScope scope, CancellationToken ct)
    {
        var company = await scope.Visible(db.Companies).Include(c => c.Tags).FirstOrDefaultAsync(c => c.Id == id, ct)
                      ?? throw new NotFound("Company");
        scope.EnsureCanEdit();
        RecordSaving.EnsureVersion(company.Version, expectedVersion, "Company");
        return company;
    }

    private async Task<CompanyDetail> SaveAsync(Company company, CompanyInput input, AccessScope scope, ActorKind via, CancellationToken ct)
    {
        var before = CompanyWriter.Snapshot(company);
        var oldName = company.Name;
        await writer.ApplyAsync(company, input, scope, ct);
        var actor = scope.Actor(via);
        var now = clock.GetUtcNow().UtcDateTime;
        if (history.Updated(ChangeLog.CompanyEntity, company.Id, before, CompanyWriter.Snapshot(company), actor, now) > 0)
        {
            company.StampUpdated(actor, now);
            company.Version++;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (company.Name != oldName)
            {
                var customers = await db.Customers.Where(c => c.CompanyId == company.Id).ToListAsync(ct);
                foreach (var customer in customers) CustomerWriter.SetSearch(customer, company.Name);
            }
            await RecordSaving.SaveAsync(db, "Company", ct);
            await tx.CommitAsync(ct);
        }
        return (await queries.DetailAsync(company.Id, scope, ct) ?? throw new NotFound("Company")).For(scope.Fields);
    }
}
