using System.Globalization;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Companies;

/// <summary>Every read of companies, each through the caller's <see cref="AccessScope"/>.</summary>
public sealed class CompanyQueries(KithDb db, ListEngine engine, ChangeLog history, CustomerQueries customers, TimeProvider clock)
{
    public static readonly ListSchema Schema = new()
    {
        Table = "companies",
        SearchTable = "companies_search",
        TagJoinTable = "company_tags",
        TagJoinColumn = "company_id",
        CustomFieldEntity = CustomFieldEntity.Company,
        DefaultSort = "-updatedAt",
        SearchColumns = [("name", "t.name"), ("domain", "t.domain"), ("email", "t.email"), ("phone", ListSchema.PhoneDigits("t.phone"))],
        Fields = ListSchema.Index(
            new("id", "id", FieldKind.Integer, false),
            new("name", "name", FieldKind.Text, false, Sortable: true),
            new("domain", "domain", FieldKind.Text, true) { LowerCase = true },
            new("industry", "industry", FieldKind.Text, true),
            new("phone", "phone", FieldKind.Text, true),
            new("phoneIsValid", "phone_is_valid", FieldKind.Boolean, false),
            new("email", "email", FieldKind.Text, true) { LowerCase = true },
            new("website", "website", FieldKind.Text, true),
            new("city", "city", FieldKind.Text, true, Sortable: true),
            new("address", "address", FieldKind.Text, true),
            new("employees", "employees", FieldKind.Integer, true),
            new("owner", "owner_id", FieldKind.Integer, false) { AcceptsMe = true },
            new("ownerId", "owner_id", FieldKind.Integer, false) { AcceptsMe = true },
            new("externalId", "external_id", FieldKind.Text, true),
            new("createdAt", "created_at", FieldKind.Instant, false, Sortable: true),
            new("updatedAt", "updated_at", FieldKind.Instant, false, Sortable: true),
            new("tag", "tag", FieldKind.Tag, true),
            new("tags", "tag", FieldKind.Tag, true)),
    };

    public async Task<ListPage<CompanyListItem>> ListAsync(AccessScope scope, ListRequest request, CancellationToken ct)
    {
        var result = await engine.RunAsync(Schema, scope, request, ct);
        var items = await ItemsAsync(result.Ids, scope.Fields, ct);
        return new ListPage<CompanyListItem>(items, result.NextCursor, result.Total, result.TotalIsEstimate);
    }

    public async Task<CompanyDetail> GetAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var detail = await DetailAsync(id, scope, ct);
        if (detail is null || !scope.CanReachOwner(detail.OwnerId)) throw new NotFound("Company");
        return detail.For(scope.Fields);
    }

    public async Task<CompanyDetail> GetByExternalIdAsync(AccessScope scope, string externalId, CancellationToken ct)
    {
        // Looking a record up by a hidden field would tell its value.
        if (scope.Fields.IsHidden(CustomFieldEntity.Company, "externalId")) throw new NotFound("Company");
        var id = await scope.Visible(db.Companies.AsNoTracking()).Where(c => c.ExternalId == externalId).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct)
                 ?? throw new NotFound("Company");
        return await GetAsync(scope, id, ct);
    }

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(AccessScope scope, long id, CancellationToken ct)
    {
        if (!await scope.Visible(db.Companies.AsNoTracking()).AnyAsync(c => c.Id == id, ct)) throw new NotFound("Company");
        return await history.ForAsync(ChangeLog.CompanyEntity, id, scope.Fields.HiddenHistoryFields(CustomFieldEntity.Company), ct);
    }

    /// <summary>The company's customers the caller can see, as a list with the usual search, filter, sort and paging.</summary>
    public async Task<ListPage<CustomerListItem>> CustomersAsync(AccessScope scope, long id, ListRequest request, CancellationToken ct)
    {
        if (!await scope.Visible(db.Companies.AsNoTracking()).AnyAsync(c => c.Id == id, ct)) throw new NotFound("Company");
        var own = "company eq " + id.ToString(CultureInfo.InvariantCulture);
        var filter = string.IsNullOrWhiteSpace(request.Filter) ? own : $"{own} and ({request.Filter})";
        return await customers.ListAsync(scope, request with { Filter = filter }, ct);
    }

    public async Task<IReadOnlyList<CompanyListItem>> DeletedAsync(AccessScope scope, CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime - RestoreCustomer.RestoreWindow;
        var ids = await scope.DeletedSince(db.Companies.AsNoTracking(), since).Select(c => c.Id).Take(ListRequest.MaxLimit).ToListAsync(ct);
        return await ItemsAsync(ids, scope.Fields, ct);
    }

    /// <summary>One live company with every field, without the reach check (callers check it); the customer count is within reach.</summary>
    internal async Task<CompanyDetail?> DetailAsync(long id, AccessScope scope, CancellationToken ct)
    {
        var row = await db.Companies.AsNoTracking()
            .Where(c => c.Id == id && c.DeletedAt == null)
            .Select(c => new
            {
                c,
                OwnerName = c.Owner != null ? (c.Owner.DisplayName != "" ? c.Owner.DisplayName : c.Owner.Email) : null,
                CreatedByName = db.Users.Where(u => u.Id == c.CreatedByUserId).Select(u => u.DisplayName != "" ? u.DisplayName : u.Email).FirstOrDefault(),
                UpdatedByName = db.Users.Where(u => u.Id == c.UpdatedByUserId).Select(u => u.DisplayName != "" ? u.DisplayName : u.Email).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (row is null) return null;
        var count = await scope.Visible(db.Customers.AsNoTracking()).CountAsync(x => x.CompanyId == id, ct);
        var tags = await RecordTags.ReadAsync(db, Schema, [id], ct);
        var c = row.c;
        return new CompanyDetail
        {
            Id = c.Id, ExternalId = c.ExternalId, Name = c.Name, Domain = c.Domain, Industry = c.Industry, Phone = c.Phone,
            PhoneIsValid = c.PhoneIsValid, Email = c.Email, Website = c.Website, City = c.City, Address = c.Address,
            Employees = c.Employees, Tags = tags[id].ToList(), OwnerId = c.OwnerId, OwnerName = row.OwnerName, CustomerCount = count,
            CustomFields = CustomFieldDefinitions.Parse(c.CustomFields), Version = c.Version, CreatedAt = c.CreatedAt,
            UpdatedAt = c.UpdatedAt, CreatedBy = new ActorRef(c.CreatedByKind, c.CreatedByUserId, row.CreatedByName),
            UpdatedBy = new ActorRef(c.UpdatedByKind, c.UpdatedByUserId, row.UpdatedByName), DeletedAt = c.DeletedAt,
        };
    }

    private async Task<IReadOnlyList<CompanyListItem>> ItemsAsync(IReadOnlyList<long> ids, FieldAccess fields, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var list = ids.ToArray();
        var rows = await db.Companies.AsNoTracking().Where(c => list.Contains(c.Id)).Select(c => new
        {
            c.Id, c.ExternalId, c.Name, c.Domain, c.Industry, c.Phone, c.PhoneIsValid, c.Email, c.City, c.Employees, c.OwnerId,
            OwnerName = c.Owner != null ? (c.Owner.DisplayName != "" ? c.Owner.DisplayName : c.Owner.Email) : null,
            c.CustomFields, c.CreatedAt, c.UpdatedAt, c.Version, c.DeletedAt,
        }).ToListAsync(ct);
        var byId = rows.ToDictionary(r => r.Id);
        var tags = await RecordTags.ReadAsync(db, Schema, list, ct);
        return ids.Where(byId.ContainsKey).Select(id => byId[id]).Select(r => new CompanyListItem
        {
            Id = r.Id, ExternalId = r.ExternalId, Name = r.Name, Domain = r.Domain, Industry = r.Industry, Phone = r.Phone,
            PhoneIsValid = r.PhoneIsValid, Email = r.Email, City = r.City, Employees = r.Employees, Tags = tags[r.Id].ToList(),
            OwnerId = r.OwnerId, OwnerName = r.OwnerName, CustomFields = CustomFieldDefinitions.Parse(r.CustomFields),
            CreatedAt = r.CreatedAt, UpdatedAt = r.UpdatedAt, Version = r.Version, DeletedAt = r.DeletedAt,
        }.For(fields)).ToList();
    }
}
