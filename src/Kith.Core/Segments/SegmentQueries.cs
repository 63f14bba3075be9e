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

/// <summary>A segment one customer is in, since its refresh that found them.</summary>
public sealed record CustomerSegmentItem(long Id, string Key, string Name, DateTime EnteredAt);

/// <summary>One customer entering or leaving a segment.</summary>
public sealed record SegmentChangeItem(long CustomerId, string CustomerName, bool Entered, DateTime At);

/// <summary>
/// Reads of segments. Counts and changes never include customers out of the caller's reach. A segment whose rule
/// uses a field hidden from the caller is absent for them: its rule names the field (and may quote values), and who is
/// in it tells that field's values.
/// </summary>
public sealed class SegmentQueries(KithDb db, ListEngine engine)
{
    public async Task<IReadOnlyList<SegmentDetail>> ListAsync(AccessScope scope, CancellationToken ct)
    {
        var result = new List<SegmentDetail>();
        foreach (var s in await VisibleAsync(scope, ct)) result.Add(await InReachAsync(s, scope, ct));
        return result;
    }

    /// <summary>Every segment the caller may see, without counts, for pickers.</summary>
    public async Task<IReadOnlyList<SegmentDetail>> NamesAsync(AccessScope scope, CancellationToken ct) =>
        (await VisibleAsync(scope, ct)).Select(s => Detail(s, null, false)).ToList();

    private async Task<List<Segment>> VisibleAsync(AccessScope scope, CancellationToken ct)
    {
        var visible = new List<Segment>();
        foreach (var s in await db.Segments.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct))
            if (!await UsesHiddenFieldAsync(scope, s.Filter, ct)) visible.Add(s);
        return visible;
    }

    public async Task<SegmentDetail> GetAsync(AccessScope scope, long id, CancellationToken ct) =>
        await InReachAsync(await FindAsync(scope, id, ct), scope, ct);

    private async Task<Segment> FindAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var segment = await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        return segment is null || await UsesHiddenFieldAsync(scope, segment.Filter, ct) ? throw new NotFound("Segment") : segment;
    }

    /// <summary>
    /// Whether a segment's rule (or a segment it builds on) uses a field hidden from the caller. A rule that works for
    /// no one (built on a custom field since deleted) is not about the caller's fields: it stays listed, with its error.
    /// </summary>
    private async Task<bool> UsesHiddenFieldAsync(AccessScope scope, string filter, CancellationToken ct)
    {
        if (scope.Fields.IsOpen) return false;
        try
        {
            await engine.ValidateAsync(CustomerQueries.Schema, scope, filter, ct);
            return false;
        }
        catch (RuleViolation)
        {
            try
            {
                await engine.ValidateAsync(CustomerQueries.Schema, scope.UserId, FieldAccess.Open, filter, ct);
                return true;
            }
            catch (RuleViolation)
            {
                return false;
            }
        }
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
        await FindAsync(scope, id, ct);
        var customers = scope.OwnerIds is null ? db.Customers.AsNoTracking() : db.Customers.AsNoTracking().Where(c => scope.OwnerIds.Contains(c.OwnerId));
        return await db.SegmentChanges.AsNoTracking().Where(c => c.SegmentId == id)
            .Join(customers, c => c.CustomerId, p => p.Id, (c, p) => new { c.Id, c.CustomerId, p.Name, c.Entered, c.At })
            .OrderByDescending(x => x.At).ThenByDescending(x => x.Id).Take(limit)
            .Select(x => new SegmentChangeItem(x.CustomerId, x.Name, x.Entered, x.At))
            .ToListAsync(ct);
    }

    /// <summary>
    /// The segments a customer is in (as of each one's last refresh) that the caller may see, for the customer page;
    /// not found when the customer is out of the caller's reach.
    /// </summary>
    public async Task<IReadOnlyList<CustomerSegmentItem>> OfCustomerAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        var rows = await db.SegmentMembers.AsNoTracking().Where(m => m.CustomerId == customerId)
            .Join(db.Segments, m => m.SegmentId, s => s.Id, (m, s) => new { s.Id, s.Key, s.Name, s.Filter, m.EnteredAt })
            .OrderBy(x => x.Name).ToListAsync(ct);
        var result = new List<CustomerSegmentItem>(rows.Count);
        foreach (var r in rows)
            if (!await UsesHiddenFieldAsync(scope, r.Filter, ct)) result.Add(new CustomerSegmentItem(r.Id, r.Key, r.Name, r.EnteredAt));
        return result;
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
