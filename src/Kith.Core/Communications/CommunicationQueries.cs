using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

public sealed record CommunicationItem(long Id, string? ExternalId, string Channel, string? Direction, DateTime OccurredAt, int? DurationSeconds,
    string? Subject, string? Content, string? Outcome);

public sealed record CommunicationPage(long Total, IReadOnlyList<CommunicationItem> Items, string? NextCursor);

/// <summary>Reads communications the caller may see (<see cref="CommunicationAccess"/>); anything else is NotFound.</summary>
public sealed class CommunicationQueries(KithDb db)
{
    public const int MaxLimit = 500;

    public async Task<CommunicationDetail> GetAsync(AccessScope scope, long id, CancellationToken ct)
    {
        if (!await CommunicationAccess.CanReadAsync(db, scope, id, ct)) throw new NotFound("Communication");
        return await DetailAsync(id, ct);
    }

    /// <summary>One communication whatever the reader's reach; callers check reach first.</summary>
    internal async Task<CommunicationDetail> DetailAsync(long id, CancellationToken ct)
    {
        var c = await db.Communications.AsNoTracking().Include(x => x.Participants).Include(x => x.Attachments).AsSplitQuery()
            .FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFound("Communication");
        var userIds = c.Participants.Where(p => p.UserId != null).Select(p => p.UserId!.Value).ToArray();
        var customerIds = c.Participants.Where(p => p.CustomerId != null).Select(p => p.CustomerId!.Value).ToArray();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName != "" ? u.DisplayName : u.Email, ct);
        var customers = await db.Customers.AsNoTracking().Where(x => customerIds.Contains(x.Id)).ToDictionaryAsync(x => x.Id, x => x.Name, ct);
        var participants = c.Participants.OrderBy(p => p.Id).Select(p => p.UserId is { } u
            ? new ParticipantRef("user", u, users.GetValueOrDefault(u, "?"))
            : new ParticipantRef("customer", p.CustomerId!.Value, customers.GetValueOrDefault(p.CustomerId!.Value, "?"))).ToList();
        var followUp = await db.Tasks.AsNoTracking().Where(t => t.CommunicationId == id).OrderBy(t => t.Id).Select(t => (long?)t.Id).FirstOrDefaultAsync(ct);
        return new CommunicationDetail(c.Id, c.ExternalId, c.CustomerId, c.CompanyId, c.Channel, c.Direction, c.OccurredAt, c.DurationSeconds,
            c.Subject, c.Content, c.ContentFormat, c.Outcome, c.Visibility, participants,
            c.Attachments.OrderBy(a => a.Id).Select(a => new AttachmentRef(a.Id, a.FileName, a.Size, a.CreatedAt)).ToList(),
            followUp, c.CreatedAt, c.CreatedByKind, c.CreatedByUserId, c.UpdatedAt);
    }

    /// <summary>A customer's communications the caller may read, newest first. The customer must be in reach, else NotFound.</summary>
    public async Task<CommunicationPage> ForCustomerAsync(AccessScope scope, long customerId, int limit, string? cursor, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        if (limit is < 1 or > MaxLimit) throw RuleViolation.Field("limit", $"limit must be between 1 and {MaxLimit}.");
        var q = CommunicationAccess.ReadableOfVisibleCustomer(scope, db.Communications.AsNoTracking().Where(c => c.CustomerId == customerId));
        var total = await q.LongCountAsync(ct);
        var (rows, next) = await Keyset.PageAsync(q, c => c.OccurredAt, c => c.Id, cursor, limit, ct);
        var items = rows.Select(c => new CommunicationItem(c.Id, c.ExternalId, c.Channel,
            c.Direction is { } d ? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(d.ToString()) : null,
            c.OccurredAt, c.DurationSeconds, c.Subject, c.Content, c.Outcome)).ToList();
        return new CommunicationPage(total, items, next);
    }
}
