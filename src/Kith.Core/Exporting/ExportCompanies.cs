using Kith.Core.Audit;
using Kith.Core.Companies;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Exporting;

/// <summary>Exports the company list in the caller's reach, like <see cref="ExportCustomers"/>.</summary>
public sealed class ExportCompanies(KithDb db, ListEngine engine)
{
    private static readonly ExportColumns<CompanyRecord> s_columns = new("company",
    [
        // The record's own id with this install's mark (Settings/KithIds.cs): an import matches it before any other key.
        new(KithIds.Field, r => r.KithId),
        new("externalId", r => r.ExternalId),
        new("name", r => r.Name),
        new("domain", r => r.Domain),
        new("industry", r => r.Industry),
        new("email", r => r.Email),
        new("phone", r => r.Phone),
        new("website", r => r.Website),
        new("city", r => r.City),
        new("address", r => r.Address),
        new("employees", r => ExportCells.Number(r.Employees)),
        new("tags", r => ExportCells.Tags(r.Tags)),
        new("owner", r => r.OwnerEmail),
    ],
    [
        new("createdAt", r => ExportCells.Instant(r.CreatedAt)),
        new("updatedAt", r => ExportCells.Instant(r.UpdatedAt)),
    ]);

    private string _mark = "";

    /// <summary>Columns of a company export that an import reads as set by Kith, and so does not import.</summary>
    public static IReadOnlyList<string> SetByKith => s_columns.SetByKith;

    public async Task<long> HandleAsync(AccessScope scope, ExportRequest request, Stream output, IProgress<ExportProgress>? progress, CancellationToken ct)
    {
        var definitions = await db.CustomFields.AsNoTracking().Where(f => f.Entity == CustomFieldEntity.Company)
            .OrderBy(f => f.SortOrder).ThenBy(f => f.Key).ToListAsync(ct);
        _mark = await KithIds.MarkAsync(db, ct);
        var columns = s_columns.Resolve(request.Columns, definitions, scope.Fields, CustomFieldEntity.Company);
        var rows = await ExportPages.RunAsync(engine, CompanyQueries.Schema, scope, request, columns, LoadAsync, output, progress, ct);
        await db.AuditNowAsync(AuditActions.Export, "companies", details: ExportAudit.Details(request, rows), ct: ct);
        return rows;
    }

    private async Task<IReadOnlyList<CompanyRecord>> LoadAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var list = ids.ToArray();
        var records = await db.Companies.AsNoTracking()
            .Where(c => list.Contains(c.Id) && c.DeletedAt == null)
            .Select(c => new CompanyRecord
            {
                Id = c.Id, ExternalId = c.ExternalId, Name = c.Name, Domain = c.Domain, Industry = c.Industry, Email = c.Email,
                Phone = c.Phone, Website = c.Website, City = c.City, Address = c.Address, Employees = c.Employees,
                OwnerEmail = c.Owner != null ? c.Owner.Email : null, CustomFieldsJson = c.CustomFields,
                CreatedAt = c.CreatedAt, UpdatedAt = c.UpdatedAt,
            })
            .ToListAsync(ct);
        var tags = await ExportPages.TagsAsync(db, CompanyQueries.Schema, list, ct);
        foreach (var record in records)
        {
            if (tags.TryGetValue(record.Id, out var names)) record.Tags = names;
            record.KithId = KithIds.Format(record.Id, _mark);
        }
        return ExportPages.InOrder(ids, records, r => r.Id);
    }

    private sealed class CompanyRecord : ExportRecord
    {
        public long Id { get; init; }
        public string KithId { get; set; } = "";
        public string? ExternalId { get; init; }
        public string Name { get; init; } = "";
        public string? Domain { get; init; }
        public string? Industry { get; init; }
        public string? Email { get; init; }
        public string? Phone { get; init; }
        public string? Website { get; init; }
        public string? City { get; init; }
        public string? Address { get; init; }
        public int? Employees { get; init; }
        public string? OwnerEmail { get; init; }
        public IReadOnlyList<string> Tags { get; set; } = [];
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
    }
}
