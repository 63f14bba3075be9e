using Kith.Core.Audit;
using Kith.Core.CustomFields;
using Kith.Core.SensitiveFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Exporting;

/// <summary>
/// Exports the customer list in the caller's reach, with its search, filter, sort and columns, as CSV or XLSX. The
/// header is the importer's field keys, so the file imports back as it is. Returns the number of rows written.
/// </summary>
public sealed class ExportCustomers(KithDb db, ListEngine engine)
{
    private static readonly ExportColumns<CustomerRecord> s_columns = new("customer",
    [
        // The record's own id with this install's mark (Settings/KithIds.cs): an import matches it before any other key.
        new(KithIds.Field, r => r.KithId),
        new("externalId", r => r.ExternalId),
        new("name", r => r.Name),
        new("email", r => r.Email),
        new("phone", r => r.Phone),
        new("age", r => ExportCells.Number(r.Age)),
        new("birthDate", r => ExportCells.Date(r.BirthDate)),
        new("gender", r => ExportCells.Enum(r.Gender)),
        new("city", r => r.City),
        new("address", r => r.Address),
        new("company", r => r.CompanyName),
        new("stage", r => ExportCells.Enum<LifecycleStage>(r.Stage)),
        new("source", r => r.Source),
        new("signupDate", r => ExportCells.Date(r.SignupDate)),
        new("tags", r => ExportCells.Tags(r.Tags)),
        new("owner", r => r.OwnerEmail),
    ],
    [
        new("createdAt", r => ExportCells.Instant(r.CreatedAt)),
        new("updatedAt", r => ExportCells.Instant(r.UpdatedAt)),
        // The behaviour summary (Behavior/BehaviorColumns.cs): counted from events, so never imported back.
        new("firstSeenAt", r => r.Behavior?.FirstSeenAt is { } t ? ExportCells.Instant(t) : null),
        new("lastSeenAt", r => r.Behavior?.LastSeenAt is { } t ? ExportCells.Instant(t) : null),
        new("lastPurchaseAt", r => r.Behavior?.LastPurchaseAt is { } t ? ExportCells.Instant(t) : null),
        new("visits", r => ExportCells.Number(r.Behavior?.Visits)),
        new("likes", r => ExportCells.Number(r.Behavior?.Likes)),
        new("purchases", r => ExportCells.Number(r.Behavior?.Purchases)),
        new("revenue", r => r.Behavior?.Revenue?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        // The latest predictions (Predictions/ScoreColumns.cs): computed by Kith, so never imported back either.
        new("churnRisk", r => r.Scores?.ChurnRisk?.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        new("expectedValue", r => r.Scores?.ExpectedValue?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ]);

    private string _mark = "";

    /// <summary>Columns of a customer export that an import reads as set by Kith, and so does not import.</summary>
    public static IReadOnlyList<string> SetByKith => s_columns.SetByKith;

    public async Task<long> HandleAsync(AccessScope scope, ExportRequest request, Stream output, IProgress<ExportProgress>? progress, CancellationToken ct)
    {
        var definitions = await db.CustomFields.AsNoTracking().Where(f => f.Entity == CustomFieldEntity.Customer)
            .OrderBy(f => f.SortOrder).ThenBy(f => f.Key).ToListAsync(ct);
        _mark = await KithIds.MarkAsync(db, ct);
        var columns = s_columns.Resolve(request.Columns, definitions, scope.Fields, CustomFieldEntity.Customer);
        var withScores = columns.Any(c => c.Key is "churnRisk" or "expectedValue");
        var rows = await ExportPages.RunAsync(engine, CustomerQueries.Schema, scope, request, columns, (ids, token) => LoadAsync(ids, withScores, token), output, progress, ct);
        await db.AuditNowAsync(AuditActions.Export, "customers", details: ExportAudit.Details(request, rows), ct: ct);
        return rows;
    }

    private async Task<IReadOnlyList<CustomerRecord>> LoadAsync(IReadOnlyList<long> ids, bool withScores, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var list = ids.ToArray();
        var records = await db.Customers.AsNoTracking()
            .Where(c => list.Contains(c.Id) && c.DeletedAt == null)
            .Select(c => new CustomerRecord
            {
                Id = c.Id, ExternalId = c.ExternalId, Name = c.Name, Email = c.Email, Phone = c.Phone, Age = c.Age,
                BirthDate = c.BirthDate, BirthDateSealed = c.BirthDateSealed, Gender = c.Gender, City = c.City, Address = c.Address,
                CompanyName = c.Company != null ? c.Company.Name : null, Stage = c.Stage, Source = c.Source,
                SignupDate = c.SignupDate, OwnerEmail = c.Owner != null ? c.Owner.Email : null,
                CustomFieldsJson = c.CustomFields, CreatedAt = c.CreatedAt, UpdatedAt = c.UpdatedAt,
            })
            .ToListAsync(ct);
        var tags = await ExportPages.TagsAsync(db, CustomerQueries.Schema, list, ct);
        foreach (var record in records)
        {
            if (tags.TryGetValue(record.Id, out var names)) record.Tags = names;
            record.KithId = KithIds.Format(record.Id, _mark);
        }
        var behavior = await Kith.Core.Behavior.BehaviorColumns.ReadAsync(db, list, ct);
        var scores = withScores ? await Kith.Core.Predictions.ScoreColumns.ReadAsync(db, list, ct) : [];
        foreach (var record in records) (record.Behavior, record.Scores) = (behavior.GetValueOrDefault(record.Id), scores.GetValueOrDefault(record.Id));
        foreach (var r in records) OpenSealed(r);
        return ExportPages.InOrder(ids, records, r => r.Id);
    }

    private void OpenSealed(CustomerRecord r)
    {
        r.Phone = db.OpenSealed(r.Phone, SealableFields.Phone, r.Id);
        r.Address = db.OpenSealed(r.Address, SealableFields.Address, r.Id);
        r.BirthDate = db.OpenSealedBirthDate(r.BirthDate, r.BirthDateSealed, r.Id);
        r.CustomFieldsJson = db.OpenSealedCustomFields(r.CustomFieldsJson, r.Id);
    }

    private sealed class CustomerRecord : ExportRecord
    {
        public long Id { get; init; }
        public string KithId { get; set; } = "";
        public string? ExternalId { get; init; }
        public string Name { get; init; } = "";
        public string? Email { get; init; }
        public string? Phone { get; set; }
        public int? Age { get; init; }
        public DateOnly? BirthDate { get; set; }
        public string? BirthDateSealed { get; init; }
        public Gender? Gender { get; init; }
        public string? City { get; init; }
        public string? Address { get; set; }
        public string? CompanyName { get; init; }
        public LifecycleStage Stage { get; init; }
        public string? Source { get; init; }
        public DateOnly? SignupDate { get; init; }
        public string? OwnerEmail { get; init; }
        public IReadOnlyList<string> Tags { get; set; } = [];
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public Kith.Core.Behavior.BehaviorColumns? Behavior { get; set; }
        public Kith.Core.Predictions.ScoreColumns? Scores { get; set; }
    }
}
