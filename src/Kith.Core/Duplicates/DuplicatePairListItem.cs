using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;

namespace Kith.Core.Duplicates;

/// <summary>The fields of one side of a pair that tell two people apart at a glance.</summary>
public sealed record DuplicatePerson(
    long Id, string Name, string? Email, string? Phone, string? City, string? CompanyName, string? ExternalId, LifecycleStage Stage,
    DateTime CreatedAt)
{
    /// <summary>This side as <paramref name="fields"/> lets its reader see it: hidden fields blank.</summary>
    public DuplicatePerson For(FieldAccess fields)
    {
        const CustomFieldEntity e = CustomFieldEntity.Customer;
        return fields.IsOpen ? this : this with
        {
            Email = fields.Shown(e, "email", Email), Phone = fields.Shown(e, "phone", Phone), City = fields.Shown(e, "city", City),
            ExternalId = fields.Shown(e, "externalId", ExternalId),
        };
    }
}

/// <summary>One open pair in the review list, highest score first. <see cref="Customer"/> is the one with the smaller id.</summary>
public sealed record DuplicatePairListItem(
    long Id, double Score, bool IsExact, IReadOnlyList<string> Reasons, DateTime FoundAt, DuplicatePerson Customer, DuplicatePerson Other);

/// <summary>
/// A page of open pairs. <see cref="NextCursor"/> is null on the last page; <see cref="Total"/> counts every open pair
/// of the same minimum score whose two customers the caller reaches.
/// </summary>
public sealed record DuplicatePage(IReadOnlyList<DuplicatePairListItem> Items, string? NextCursor, long Total);

/// <summary>Which pairs to list: at least <see cref="MinScore"/> (0..1), optionally only those of one customer.</summary>
public sealed record DuplicateListRequest(double MinScore = 0, int Limit = DuplicateListRequest.DefaultLimit, string? Cursor = null, long? CustomerId = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;
}

/// <summary>One pair with both customers in full, for the side-by-side merge page.</summary>
public sealed record DuplicatePairDetail(
    long Id, double Score, bool IsExact, IReadOnlyList<string> Reasons, DuplicateStatus Status, DateTime FoundAt,
    CustomerDetail Customer, CustomerDetail Other);

/// <summary>
/// One merge as `GET /api/v1/merges/{id}` shows it: who survived, who was merged into it, how many related records
/// moved, and whether it was undone.
/// </summary>
public sealed record CustomerMergeView(
    long Id, long SurvivorId, long MergedId, DateTime MergedAt, DateTime? UndoneAt, History.ActorRef MergedBy,
    int Purchases, int Communications, int Events);
