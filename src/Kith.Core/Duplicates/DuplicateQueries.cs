using System.Globalization;
using System.Text;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Duplicates;

/// <summary>
/// Reads of duplicate pairs and merges. A pair is in the caller's reach only when both its customers are: a pair
/// with one side out of reach or deleted is absent from lists and totals and is not found by id.
/// </summary>
public sealed class DuplicateQueries(KithDb db, CustomerQueries customers)
{
    /// <summary>Open pairs, highest score first (then newest pair first), a keyset page at a time.</summary>
    public async Task<DuplicatePage> ListAsync(AccessScope scope, DuplicateListRequest request, CancellationToken ct)
    {
        if (double.IsNaN(request.MinScore) || request.MinScore is < 0 or > 1)
            throw RuleViolation.Field("minScore", "minScore must be a number from 0 to 1.");
        if (request.Limit is < 1 or > DuplicateListRequest.MaxLimit)
            throw RuleViolation.Field("limit", $"limit must be a whole number from 1 to {DuplicateListRequest.MaxLimit}.");
        var visible = scope.Visible(db.Customers.AsNoTracking());
        var pairs = db.DuplicatePairs.AsNoTracking().Where(p => p.Status == DuplicateStatus.Open && p.Score >= request.MinScore);
        if (request.CustomerId is { } only) pairs = pairs.Where(p => p.CustomerId == only || p.OtherCustomerId == only);
        var joined =
            from p in pairs
            join a in visible on p.CustomerId equals a.Id
            join b in visible on p.OtherCustomerId equals b.Id
            select new { p, a, b };
        var total = await joined.LongCountAsync(ct);
        var page = joined;
        var filterKey = FilterKey(request);
        if (request.Cursor is { Length: > 0 } cursor)
        {
            var (score, id) = DecodeCursor(cursor, filterKey);
            page = page.Where(x => x.p.Score < score || (x.p.Score == score && x.p.Id < id));
        }
        var rows = await page.OrderByDescending(x => x.p.Score).ThenByDescending(x => x.p.Id).Take(request.Limit + 1)
            .Select(x => new
            {
                x.p.Id, x.p.Score, x.p.IsExact, x.p.Reasons, x.p.FoundAt,
                A = new DuplicatePerson(x.a.Id, x.a.Name, x.a.Email, x.a.Phone, x.a.City, x.a.Company != null ? x.a.Company.Name : null,
                    x.a.ExternalId, x.a.Stage, x.a.CreatedAt),
                B = new DuplicatePerson(x.b.Id, x.b.Name, x.b.Email, x.b.Phone, x.b.City, x.b.Company != null ? x.b.Company.Name : null,
                    x.b.ExternalId, x.b.Stage, x.b.CreatedAt),
            })
            .ToListAsync(ct);
        string? next = null;
        if (rows.Count > request.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = EncodeCursor(rows[^1].Score, rows[^1].Id, filterKey);
        }
        var items = rows.Select(r => new DuplicatePairListItem(r.Id, r.Score, r.IsExact, SplitReasons(r.Reasons, scope.Fields), r.FoundAt, Opened(r.A).For(scope.Fields), Opened(r.B).For(scope.Fields))).ToList();
        return new DuplicatePage(items, next, total);
    }

    private DuplicatePerson Opened(DuplicatePerson p) => p with { Phone = SensitiveFields.SealedReads.OpenSealed(db, p.Phone, SensitiveFields.SealableFields.Phone, p.Id) };

    /// <summary>One pair with both customers in full; not found when either is out of reach or no longer live.</summary>
    public async Task<DuplicatePairDetail> GetAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var pair = await db.DuplicatePairs.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFound("Duplicate pair");
        var a = await customers.DetailAsync(pair.CustomerId, includeDeleted: false, ct);
        var b = await customers.DetailAsync(pair.OtherCustomerId, includeDeleted: false, ct);
        if (a is null || b is null || !scope.CanReachOwner(a.OwnerId) || !scope.CanReachOwner(b.OwnerId)) throw new NotFound("Duplicate pair");
        return new DuplicatePairDetail(pair.Id, pair.Score, pair.IsExact, SplitReasons(pair.Reasons, scope.Fields), pair.Status, pair.FoundAt, a.For(scope.Fields), b.For(scope.Fields));
    }

    /// <summary>One merge; not found unless the caller reaches both customers (the merged one is hidden, not gone).</summary>
    public async Task<CustomerMergeView> MergeAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var merge = await db.CustomerMerges.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) ?? throw new NotFound("Merge");
        var owners = await db.Customers.AsNoTracking().Where(c => c.Id == merge.SurvivorId || c.Id == merge.MergedId)
            .Select(c => c.OwnerId).ToListAsync(ct);
        if (owners.Count != 2 || !owners.All(scope.CanReachOwner)) throw new NotFound("Merge");
        var by = merge.MergedByUserId is { } userId
            ? await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.DisplayName != "" ? u.DisplayName : u.Email).FirstOrDefaultAsync(ct)
            : null;
        var moved = MergedRecords.Read(merge.Moved);
        return new CustomerMergeView(merge.Id, merge.SurvivorId, merge.MergedId, merge.MergedAt, merge.UndoneAt,
            new ActorRef(merge.MergedByKind, merge.MergedByUserId, by), moved.Purchases.Length, moved.Communications.Length, moved.Events.Length);
    }

    /// <summary>The stored reasons the reader may see: one that compares a field hidden from them is left out.</summary>
    internal static IReadOnlyList<string> SplitReasons(string reasons, FieldAccess fields) =>
        reasons.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(r => Matching.DuplicateRules.FieldOf(r) is not { } field || !fields.IsHidden(CustomFields.CustomFieldEntity.Customer, field)).ToList();

    private static string FilterKey(DuplicateListRequest r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.MinScore:R},{r.CustomerId}");

    // The cursor is the last row's score and id and the filter it belongs to; its values only ever become parameters.
    private static string EncodeCursor(double score, long id, string filterKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{score:R}|{id}|{filterKey}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (double Score, long Id) DecodeCursor(string cursor, string filterKey)
    {
        string? text = null;
        if (cursor.Length <= 200)
        {
            try
            {
                var s = cursor.Replace('-', '+').Replace('_', '/');
                text = Encoding.UTF8.GetString(Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=')));
            }
            catch (FormatException)
            {
                text = null;
            }
        }
        var parts = text?.Split('|');
        if (parts is not { Length: 3 } ||
            !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || !double.IsFinite(score) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw RuleViolation.Field("cursor", "The cursor is not one Kith made; start again from the first page.");
        if (parts[2] != filterKey)
            throw RuleViolation.Field("cursor", "The cursor belongs to a different minScore; start again from the first page.");
        return (score, id);
    }
}
