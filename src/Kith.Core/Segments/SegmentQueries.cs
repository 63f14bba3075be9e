using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Segments;

/// <summary>
/// A segment as users see it. <see cref="MemberCount"/> counts only the members the caller reaches (for an
/// administrator, everyone, as of <see cref="RefreshedAt"/>); <see cref="CountIsEstimate"/> says when it was estimated.
/// </summary>
public sealed record SegmentDetail(
    long Id, string Key, string Name, string? Description, string Filter, long? MemberCount, bool CountIsEstimate,
    DateTime? RefreshedAt, string? RefreshError, long CreatedByUserId, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record SegmentCount(long Count, bool Estimate);

/// <summary>One customer entering or leaving a segment.</summary>
public sealed record SegmentChangeItem(long CustomerId, string CustomerName, bool Entered, DateTime At);

/// <summary>Reads of segments. Counts and changes never include customers out of the caller's reach.</summary>
public sealed class SegmentQueries(KithDb db, ListEngine engine)
{
    public async Task<IReadOnlyList<SegmentDetail>> ListAsync(AccessScope scope, CancellationToken ct)
    {
        var segments = await db.Segments.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
        var result = new List<SegmentDetail>(segments.Count);
        foreach (var s in segments) result.Add(await InReachAsync(s, scope, ct));
        return result;
    }

    /// <summary>Every segment without counts, for pickers.</summary>
    public async Task<IReadOnlyList<SegmentDetail>> NamesAsync(CancellationToken ct) =>
        (await db.Segments.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct)).Select(s => Detail(s, null, false)).ToList();

    public async Task<SegmentDetail> GetAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var segment = await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFound("Segment");
        return await InReachAsync(segment, scope, ct);
    }

    /// <summary>How many customers in reach a filter (being written) matches: for the count beside the rule builder.</summary>
    public async Task<SegmentCount> CountAsync(AccessScope scope, string? filter, CancellationToken ct)
    {
        if (filter is { Length: > FilterParser.MaxLength }) throw RuleViolation.Field("filter", $"A filter may have at most {FilterParser.MaxLength} characters.");
        var (count, estimate) = await engine.CountAsync(CustomerQueries.Schema, scope, filter, ct);
        return new SegmentCount(count, estimate);
    }

    /// <summary>Who entered or left, newest first, among the customers the caller reaches.</summary>
    public async Task<IReadOnlyList<SegmentChangeItem>> ChangesAsync(AccessScope scope, long id, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > 1000) throw RuleViolation.Field("limit", "limit must be between 1 and 1000.");
        var segment = await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFound("Segment");
        // Who entered a segment built on a field hidden from the caller would tell them that field's values.
        if (!scope.Fields.IsOpen) await engine.ValidateAsync(CustomerQueries.Schema, scope, segment.Filter, ct);
        var customers = scope.OwnerIds is null ? db.Customers.AsNoTracking() : db.Customers.AsNoTracking().Where(c => scope.OwnerIds.Contains(c.OwnerId));
        return await db.SegmentChanges.AsNoTracking().Where(c => c.SegmentId == id)
            .Join(customers, c => c.CustomerId, p => p.Id, (c, p) => new { c.Id, c.CustomerId, p.Name, c.Entered, c.At })
            .OrderByDescending(x => x.At).ThenByDescending(x => x.Id).Take(limit)
            .Select(x => new SegmentChangeItem(x.CustomerId, x.Name, x.Entered, x.At))
            .ToListAsync(ct);
    }

    /// <summary>The segments a customer is in (as of each one's last refresh), for the customer page.</summary>
    public async Task<IReadOnlyList<(long Id, string Name, DateTime EnteredAt)>> OfCustomerAsync(long customerId, CancellationToken ct)
    {
        var rows = await db.SegmentMembers.AsNoTracking().Where(m => m.CustomerId == customerId)
            .Join(db.Segments, m => m.SegmentId, s => s.Id, (m, s) => new { s.Id, s.Name, m.EnteredAt })
            .OrderBy(x => x.Name).ToListAsync(ct);
        return rows.Select(r => (r.Id, r.Name, r.EnteredAt)).ToList();
    }

    private async Task<SegmentDetail> InReachAsync(Segment s, AccessScope scope, CancellationToken ct)
    {
        if (scope.OwnerIds is null && scope.Fields.IsOpen) return Detail(s, s.MemberCount, false);
        // Someone who reaches only some owners learns only how many of their own customers are members.
        try
        {
            var (count, estimate) = await engine.CountAsync(CustomerQueries.Schema, scope, $"segment eq {s.Key}", ct);
            return Detail(s, count, estimate);
        }
        catch (RuleViolation)
        {
            return Detail(s, null, false);
        }
    }

    internal static SegmentDetail Detail(Segment s, long? count, bool estimate) =>
        new(s.Id, s.Key, s.Name, s.Description, s.Filter, count, estimate, s.RefreshedAt, s.RefreshError, s.CreatedByUserId, s.CreatedAt, s.UpdatedAt);
}
