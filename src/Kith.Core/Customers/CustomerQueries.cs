using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.SensitiveFields;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Customers;

/// <summary>Every read of customers. Each goes through the caller's <see cref="AccessScope"/>: out of reach is not found.</summary>
public sealed class CustomerQueries(KithDb db, ListEngine engine, ChangeLog history, TimeProvider clock)
{
    /// <summary>The customer fields of the filter and sort languages (docs/api.md, "Filters").</summary>
    public static readonly ListSchema Schema = new()
    {
        Table = "customers",
        SearchTable = "customers_search",
        TagJoinTable = "customer_tags",
        TagJoinColumn = "customer_id",
        CustomFieldEntity = CustomFieldEntity.Customer,
        DefaultSort = "-updatedAt",
        Behavior = true,
        SummaryTable = Kith.Core.Behavior.BehaviorColumns.Table(DatabaseProvider.Postgres),
        SearchColumns =
        [
            ("name", "t.name"), ("email", "t.email"), ("phone", ListSchema.PhoneDigits("t.phone")),
            ("company", "(SELECT co.name FROM companies AS co WHERE co.id = t.company_id)"),
        ],
        Fields = ListSchema.Index(
            new("id", "id", FieldKind.Integer, false),
            new("name", "name", FieldKind.Text, false, Sortable: true),
            new("email", "email", FieldKind.Text, true) { LowerCase = true },
            new("phone", "phone", FieldKind.Text, true),
            new("phoneIsValid", "phone_is_valid", FieldKind.Boolean, false),
            new("birthDate", "birth_date", FieldKind.Date, true),
            new("age", "age", FieldKind.Integer, true, Sortable: true),
            new("gender", "gender", FieldKind.Enum, true, EnumType: typeof(Gender)),
            new("city", "city", FieldKind.Text, true, Sortable: true),
            new("address", "address", FieldKind.Text, true),
            new("company", "company_id", FieldKind.Integer, true),
            new("companyId", "company_id", FieldKind.Integer, true),
            new("owner", "owner_id", FieldKind.Integer, false) { AcceptsMe = true },
            new("ownerId", "owner_id", FieldKind.Integer, false) { AcceptsMe = true },
            new("stage", "stage", FieldKind.Enum, false, Sortable: true, EnumType: typeof(LifecycleStage)),
            new("source", "source", FieldKind.Text, true),
            new("signupDate", "signup_date", FieldKind.Date, true, Sortable: true),
            new("externalId", "external_id", FieldKind.Text, true),
            new("createdAt", "created_at", FieldKind.Instant, false, Sortable: true),
            new("updatedAt", "updated_at", FieldKind.Instant, false, Sortable: true),
            new("tag", "tag", FieldKind.Tag, true),
            new("tags", "tag", FieldKind.Tag, true),
            // The behaviour summary, kept by the rollup (Behavior/BehaviorRollup.cs): on customers on SQLite, in customer_behavior on PostgreSQL.
            new("firstSeenAt", "behavior_first_seen_at", FieldKind.Instant, true, Sortable: true) { InSummary = true },
            new("lastSeenAt", "behavior_last_seen_at", FieldKind.Instant, true, Sortable: true) { InSummary = true },
            new("lastPurchaseAt", "behavior_last_purchase_at", FieldKind.Instant, true, Sortable: true) { InSummary = true },
            new("visits", "behavior_visits", FieldKind.Integer, true, Sortable: true) { InSummary = true },
            new("likes", "behavior_likes", FieldKind.Integer, true, Sortable: true) { InSummary = true },
            new("purchases", "behavior_purchases", FieldKind.Integer, true, Sortable: true) { InSummary = true },
            new("revenueMicros", "behavior_revenue_micros", FieldKind.Integer, true, Sortable: true) { InSummary = true }),
        // The latest predictions (Predictions/ScoreColumns.cs); filtered by BehaviorFilter's churnRisk and expectedValue.
        JoinedSorts = new Dictionary<string, JoinedSortKey>(StringComparer.OrdinalIgnoreCase)
        {
            ["churnRisk"] = new("churnRisk", "customer_scores", "customer_id", "churn_risk", "ix_customer_scores_churn_risk_customer_id"),
            ["expectedValue"] = new("expectedValue", "customer_scores", "customer_id", "expected_value_micros", "ix_customer_scores_expected_value_micros_customer_id"),
        },
    };

    public async Task<ListPage<CustomerListItem>> ListAsync(AccessScope scope, ListRequest request, CancellationToken ct)
    {
        var result = await engine.RunAsync(Schema, scope, request, ct);
        var items = await ItemsAsync(result.Ids, scope.Fields, ct);
        return new ListPage<CustomerListItem>(items, result.NextCursor, result.Total, result.TotalIsEstimate);
    }

    public async Task<CustomerDetail> GetAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var detail = await DetailAsync(id, includeDeleted: false, ct);
        if (detail is null || !scope.CanReachOwner(detail.OwnerId)) throw new NotFound("Customer");
        return detail.For(scope.Fields);
    }

    public async Task<CustomerDetail> GetByExternalIdAsync(AccessScope scope, string externalId, CancellationToken ct)
    {
        // Looking a record up by a hidden field would tell its value.
        if (scope.Fields.IsHidden(CustomFieldEntity.Customer, "externalId")) throw new NotFound("Customer");
        // A merged customer's external id keeps resolving, to the customer it was merged into.
        var row = await db.Customers.AsNoTracking().Where(c => c.ExternalId == externalId)
                      .Select(c => new { c.Id, c.MergedIntoId }).FirstOrDefaultAsync(ct)
                  ?? throw new NotFound("Customer");
        return await GetAsync(scope, row.MergedIntoId ?? row.Id, ct);
    }

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(AccessScope scope, long id, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == id, ct)) throw new NotFound("Customer");
        return await history.ForAsync(ChangeLog.CustomerEntity, id, scope.Fields.HiddenHistoryFields(CustomFieldEntity.Customer), ct);
    }

    /// <summary>The bin: customers in reach deleted within the restore window, most recently deleted first.</summary>
    public async Task<IReadOnlyList<CustomerListItem>> DeletedAsync(AccessScope scope, CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime - RestoreCustomer.RestoreWindow;
        var ids = await scope.DeletedSince(db.Customers.AsNoTracking().Where(c => c.MergedIntoId == null), since).Select(c => c.Id).Take(ListRequest.MaxLimit).ToListAsync(ct);
        return await ItemsAsync(ids, scope.Fields, ct);
    }

    /// <summary>One customer with every field, without access checks: callers check reach first.</summary>
    internal async Task<CustomerDetail?> DetailAsync(long id, bool includeDeleted, CancellationToken ct)
    {
        var row = await db.Customers.AsNoTracking()
            .Where(c => c.Id == id && (includeDeleted || c.DeletedAt == null))
            .Select(c => new
            {
                c,
                CompanyName = c.Company != null ? c.Company.Name : null,
                OwnerName = c.Owner != null ? (c.Owner.DisplayName != "" ? c.Owner.DisplayName : c.Owner.Email) : null,
                CreatedByName = db.Users.Where(u => u.Id == c.CreatedByUserId).Select(u => u.DisplayName != "" ? u.DisplayName : u.Email).FirstOrDefault(),
                UpdatedByName = db.Users.Where(u => u.Id == c.UpdatedByUserId).Select(u => u.DisplayName != "" ? u.DisplayName : u.Email).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (row is null) return null;
        var c = row.c;
        var tags = await RecordTags.ReadAsync(db, Schema, [id], ct);
        return new CustomerDetail
        {
            Id = c.Id, ExternalId = c.ExternalId, Name = c.Name, Email = c.Email, Phone = c.Phone, PhoneIsValid = c.PhoneIsValid,
            BirthDate = c.BirthDate, Age = c.Age, Gender = c.Gender, City = c.City, Address = c.Address, CompanyId = c.CompanyId,
            CompanyName = row.CompanyName, Tags = tags[id].ToList(), OwnerId = c.OwnerId, OwnerName = row.OwnerName, Stage = c.Stage,
            Source = c.Source, SignupDate = c.SignupDate, CustomFields = CustomFieldDefinitions.Parse(c.CustomFields),
            Version = c.Version, CreatedAt = c.CreatedAt, UpdatedAt = c.UpdatedAt,
            CreatedBy = new ActorRef(c.CreatedByKind, c.CreatedByUserId, row.CreatedByName),
            UpdatedBy = new ActorRef(c.UpdatedByKind, c.UpdatedByUserId, row.UpdatedByName),
            DeletedAt = c.DeletedAt,
        };
    }

    private async Task<IReadOnlyList<CustomerListItem>> ItemsAsync(IReadOnlyList<long> ids, FieldAccess fields, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var list = ids.ToArray();
        var rows = await db.Customers.AsNoTracking().Where(c => list.Contains(c.Id)).Select(c => new
        {
            c.Id, c.ExternalId, c.Name, c.Email, c.Phone, c.PhoneIsValid, c.Age, c.Gender, c.City, c.CompanyId,
            CompanyName = c.Company != null ? c.Company.Name : null, c.OwnerId,
            OwnerName = c.Owner != null ? (c.Owner.DisplayName != "" ? c.Owner.DisplayName : c.Owner.Email) : null,
            c.Stage, c.Source, c.SignupDate, c.CustomFields, c.CreatedAt, c.UpdatedAt, c.Version, c.DeletedAt,
        }).ToListAsync(ct);
        var byId = rows.ToDictionary(r => r.Id);
        var tags = await RecordTags.ReadAsync(db, Schema, list, ct);
        var behavior = await Kith.Core.Behavior.BehaviorColumns.ReadAsync(db, list, ct);
        var scores = await Kith.Core.Predictions.ScoreColumns.ReadAsync(db, list, ct);
        return ids.Where(byId.ContainsKey).Select(id => byId[id]).Select(r => new CustomerListItem
        {
            Behavior = behavior.GetValueOrDefault(r.Id), Scores = scores.GetValueOrDefault(r.Id),
            Id = r.Id, ExternalId = r.ExternalId, Name = r.Name, Email = r.Email, Phone = db.OpenSealed(r.Phone, SealableFields.Phone, r.Id), PhoneIsValid = r.PhoneIsValid,
            Age = r.Age, Gender = r.Gender, City = r.City, CompanyId = r.CompanyId, CompanyName = r.CompanyName, Tags = tags[r.Id].ToList(),
            OwnerId = r.OwnerId, OwnerName = r.OwnerName, Stage = r.Stage, Source = r.Source, SignupDate = r.SignupDate,
            CustomFields = CustomFieldDefinitions.Parse(db.OpenSealedCustomFields(r.CustomFields, r.Id)), CreatedAt = r.CreatedAt, UpdatedAt = r.UpdatedAt,
            Version = r.Version, DeletedAt = r.DeletedAt,
        }.For(fields)).ToList();
    }
}
