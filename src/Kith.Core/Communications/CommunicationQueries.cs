using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

public sealed record CommunicationItem(long Id, string? ExternalId, string Channel, string? Direction, DateTime OccurredAt, int? DurationSeconds,
    string? Subject, string? Content, string? Outcome);

public sealed record CommunicationPage(long Total, IReadOnlyList<CommunicationItem> Items, string? NextCursor);

/// <summary>A customer's communications, newest first. The customer must be in the caller's reach, else NotFound.</summary>
public sealed class CommunicationQueries(KithDb db)
{
    public const int MaxLimit = 500;

    public async Task<CommunicationPage> ForCustomerAsync(AccessScope scope, long customerId, int limit, string? cursor, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        if (limit is < 1 or > MaxLimit) throw RuleViolation.Field("limit", $"limit must be between 1 and {MaxLimit}.");
        var total = await db.Communications.AsNoTracking().LongCountAsync(c => c.CustomerId == customerId, ct);
        var q = db.Communications.AsNoTracking().Where(c => c.CustomerId == customerId);
        if (cursor is { Length: > 0 })
        {
            var (at, id) = Cursor.Decode(cursor);
            q = q.Where(c => c.OccurredAt < at || (c.OccurredAt == at && c.Id < id));
        }
        var rows = await q.OrderByDescending(c => c.OccurredAt).ThenByDescending(c => c.Id).Take(limit + 1).ToListAsync(ct);
        var items = rows.Take(limit).Select(c => new CommunicationItem(c.Id, c.ExternalId, c.Channel,
            c.Direction is { } d ? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(d.ToString()) : null,
            c.OccurredAt, c.DurationSeconds, c.Subject, c.Content, c.Outcome)).ToList();
        var next = rows.Count > limit ? Cursor.Encode(rows[limit - 1].OccurredAt, rows[limit - 1].Id) : null;
        return new CommunicationPage(total, items, next);
    }
}
