using System.Linq.Expressions;
using Kith.Core.Cases;
using Kith.Core.Communications;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tasks;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Timeline;

/// <summary>
/// Everything that happened with one customer, newest first: cases, communications, tasks, feedback, purchases, changes to the record
/// and behaviour events summed per day and type. Each source is read with its own index-backed keyset query from
/// the cursor (at most one page plus one row each), then the pages are merged; the cursor carries (time, source
/// rank, id), so a page boundary between two entries at the same instant is exact.
/// </summary>
public sealed class CustomerTimeline(KithDb db)
{
    public const int DefaultLimit = 50, MaxLimit = 200;
    private const int CaseRank = 7, FeedbackRank = 6, CommunicationRank = 5, TaskRank = 4, PurchaseRank = 3, ChangeRank = 2, BehaviorRank = 1;
    private const int MaxBehaviorChunk = 4000;

    public async Task<TimelinePage> PageAsync(AccessScope scope, long customerId, TimelineFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit) throw RuleViolation.Field("limit", $"limit must be between 1 and {MaxLimit}.");
        if (filter.Types?.FirstOrDefault(t => !TimelineFilter.AllTypes.Contains(t)) is { } unknown)
            throw RuleViolation.Field("type", $"'{unknown}' is not a timeline type; use {string.Join(", ", TimelineFilter.AllTypes)}.");
        var after = KeysetPosition.Decode(cursor);
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        var q = string.IsNullOrWhiteSpace(filter.Query) ? null : filter.Query.Trim().ToLowerInvariant();
        var take = limit + 1;
        var found = new List<(KeysetPosition At, TimelineEntry Entry)>();
        if (filter.Includes(TimelineFilter.Case)) found.AddRange(await CasesAsync(customerId, q, after, take, ct));
        if (filter.Includes(TimelineFilter.Communication)) found.AddRange(await CommunicationsAsync(scope, customerId, filter.Channels, q, after, take, ct));
        if (filter.Includes(TimelineFilter.Task)) found.AddRange(await TasksAsync(customerId, q, after, take, ct));
        if (filter.Includes(TimelineFilter.Feedback)) found.AddRange(await FeedbackAsync(customerId, q, after, take, ct));
        if (filter.Includes(TimelineFilter.Purchase)) found.AddRange(await PurchasesAsync(customerId, q, after, take, ct));
        if (filter.Includes(TimelineFilter.Change)) found.AddRange(await ChangesAsync(scope, customerId, q, after, take, ct));
        if (filter.Includes(TimelineFilter.Behavior) && !scope.Fields.IsHidden(Kith.Core.CustomFields.CustomFieldEntity.Customer, "behavior")) found.AddRange(await BehaviorAsync(customerId, after, take, ct));
        var page = found.OrderByDescending(f => f.At).Take(take).ToList();
        string? next = null;
        if (page.Count > limit)
        {
            page.RemoveAt(limit);
            next = page[^1].At.Encode();
        }
        return new TimelinePage(page.Select(p => p.Entry).ToList(), next);
    }

    private static IQueryable<T> Newest<T>(IQueryable<T> query, Expression<Func<T, DateTime>> at, Expression<Func<T, long>> id, KeysetPosition? after, int rank, int take) =>
        query.After(at, id, after, rank).NewestFirst(at, id).Take(take);

    private async Task<IEnumerable<(KeysetPosition, TimelineEntry)>> CommunicationsAsync(AccessScope scope, long customerId,
        IReadOnlyCollection<string>? channels, string? q, KeysetPosition? after, int take, CancellationToken ct)
    {
        IQueryable<Communication> Filter(IQueryable<Communication> source)
        {
            if (channels is { Count: > 0 })
            {
                var keys = channels.ToArray();
                source = source.Where(c => keys.Contains(c.Channel));
            }
            if (q is not null)
                source = source.Where(c => (c.Subject != null && c.Subject.ToLower().Contains(q)) || (c.Content != null && c.Content.ToLower().Contains(q)));
            return source;
        }

        // Private ones the caller may not read are dropped after each read; read on until the page is full or the source ends.
        async Task<List<Communication>> ReadAsync(IQueryable<Communication> source)
        {
            var readable = new List<Communication>();
            var from = after;
            var size = take;
            while (true)
            {
                var chunk = await Newest(source, c => c.OccurredAt, c => c.Id, from, CommunicationRank, size).ToListAsync(ct);
                readable.AddRange(await CommunicationAccess.ReadableAsync(db, scope, chunk, ct));
                if (readable.Count >= take || chunk.Count < size) return readable;
                from = new KeysetPosition(chunk[^1].OccurredAt, CommunicationRank, chunk[^1].Id);
                size = Math.Min(size * 2, 2000);
            }
        }

        var all = db.Communications.AsNoTracking();
        // Filed under this customer, and filed under another with this customer taking part: two index range scans, merged.
        var own = await ReadAsync(Filter(all.Where(c => c.CustomerId == customerId)));
        // Driven from the participant index (an IN list of ids), not a correlated EXISTS that would visit every communication.
        var tookPart = db.CommunicationParticipants.Where(p => p.CustomerId == customerId).Select(p => p.CommunicationId);
        var joined = await ReadAsync(Filter(all.Where(c => tookPart.Contains(c.Id) && c.CustomerId != customerId)));
        return own.Concat(joined).Select(c => (new KeysetPosition(c.OccurredAt, CommunicationRank, c.Id), new TimelineEntry
        {
            Id = $"communication:{c.Id}", Type = TimelineFilter.Communication, OccurredAt = c.OccurredAt, RecordId = c.Id, Title = c.Subject,
            Text = c.Content, ContentFormat = c.ContentFormat, Channel = c.Channel, Direction = c.Direction, Outcome = c.Outcome,
            DurationSeconds = c.DurationSeconds,
        }));
    }

    private async Task<IEnumerable<(KeysetPosition, TimelineEntry)>> TasksAsync(long customerId, string? q, KeysetPosition? after, int take, CancellationToken ct)
    {
        var tasks = db.Tasks.AsNoTracking().Where(t => t.CustomerId == customerId);
        if (q is not null)
            tasks = tasks.Where(t => t.Title.ToLower().Contains(q) || (t.Notes != null && t.Notes.ToLower().Contains(q)) || (t.OutcomeNote != null && t.OutcomeNote.ToLower().Contains(q)));
        var rows = await Newest(tasks, t => t.TimelineAt, t => t.Id, after, TaskRank, take).ToListAsync(ct);
        return rows.Select(t => (new KeysetPosition(t.TimelineAt, TaskRank, t.Id), new TimelineEntry
        {
            Id = $"task:{t.Id}", Type = TimelineFilter.Task, OccurredAt = t.TimelineAt, RecordId = t.Id, Title = t.Title,
            Text = t.OutcomeNote ?? t.Notes, Outcome = t.Outcome, DueAt = t.DueAt, CompletedAt = t.CompletedAt,
            State = t.State == TaskState.Done ? "done" : "open",
        }));
    }

    /// <summary>A case sits where it was opened and shows its current status.</summary>
    private async Task<IEnumerable<(KeysetPosition, TimelineEntry)>> CasesAsync(long customerId, string? q, KeysetPosition? after, int take, CancellationToken ct)
    {
        var cases = db.Cases.AsNoTracking().Where(c => c.CustomerId == customerId);
        if (q is not null) cases = cases.Where(c => c.Subject.ToLower().Contains(q));
        var rows = await Newest(cases, c => c.CreatedAt, c => c.Id, after, CaseRank, take).ToListAsync(ct);
        return rows.Select(c => (new KeysetPosition(c.CreatedAt, CaseRank, c.Id), new TimelineEntry
        {
            Id = $"case:{c.Id}", Type = TimelineFilter.Case, OccurredAt = c.CreatedAt, RecordId = c.Id, Number = c.Number, Title = c.Subject,
            State = CaseRules.Name(c.Status), Priority = c.Priority.ToString().ToLowerInvariant(), DueAt = c.DueAt,
            CompletedAt = c.ResolvedAt,
        }));
    }

    private async Task<IEnumerable<(KeysetPosition, TimelineEntry)>> FeedbackAsync(long customerId, string? q, KeysetPosition? after, int take, CancellationToken ct)
    {
        var feedback = db.Feedback.AsNoTracking().Where(f => f.CustomerId == customerId);
        if (q is not null) feedback = feedback.Where(f => f.Comment != null && f.Comment.ToLower().Contains(q));
        var rows = await (from f in Newest(feedback, f => f.AnsweredAt, f => f.Id, after, FeedbackRank, take)
                          join u in db.Users on f.AgentId equals u.Id into us
                          from u in us.DefaultIfEmpty()
                          select new { f, Name = u == null ? null : u.DisplayName != "" ? u.DisplayName : u.Email }).ToListAsync(ct);
        return rows.Select(r => (new KeysetPosition(r.f.AnsweredAt, FeedbackRank, r.f.Id), new TimelineEntry
        {
            Id = $"feedback:{r.f.Id}", Type = TimelineFilter.Feedback, OccurredAt = r.f.AnsweredAt, RecordId = r.f.Id,
            Title = r.f.Kind == Feedback.FeedbackKind.Csat ? "csat" : "nps", Score = r.f.Score, Text = r.f.Comment,
            Action = r.f.Source == Feedback.FeedbackSource.Survey ? "survey" : "agent", Actor = r.Name,
        }));
    }

    private async Task<IEnumerable<(KeysetPosition, TimelineEntry)>> PurchasesAsync(long customerId, string? q, KeysetPosition? after, int take, CancellationToken ct)
    {
        var purchases = db.Purchases.AsNoTracking().Where(p => p.CustomerId == customerId);
        if (q is not null) purchases = purchases.Where(p => p.Product.ToLower().Contains(q) || (p.Category != null && p.Category.ToLower().Contains(q)));
        var rows = await Newest(purchases, p => p.OrderedAt, p => p.Id, after, PurchaseRank, take).ToListAsync(ct);
        return rows.Select(p => (new KeysetPosition(p.OrderedAt, PurchaseRank, p.Id), new TimelineEntry
        {
            Id = $"purchase:{p.Id}", Type = TimelineFilter.Purchase, OccurredAt = p.OrderedAt, RecordId = p.Id, Title = p.Product,
            Text = p.Category, Amount = p.Amount, Currency = p.Currency, Quantity = p.Quantity,
        }));
    }

    private async Task<IEnumerable<(KeysetPosition, TimelineEntry)>> ChangesAsync(AccessScope scope, long customerId, string? q, KeysetPosition? after, int take, CancellationToken ct)
    {
        // Changes of a field hidden from the reader are not theirs to see, nor to find by their values.
        var hidden = scope.Fields.HiddenHistoryFields(Kith.Core.CustomFields.CustomFieldEntity.Customer).ToArray();
        var changes = db.RecordChanges.AsNoTracking()
            .Where(c => c.EntityType == ChangeLog.CustomerEntity && c.EntityId == customerId && (c.Field == null || !hidden.Contains(c.Field)));
        if (q is not null)
            changes = changes.Where(c => (c.OldValue != null && c.OldValue.ToLower().Contains(q)) || (c.NewValue != null && c.NewValue.ToLower().Contains(q)));
        var rows = await (from c in Newest(changes, c => c.At, c => c.Id, after, ChangeRank, take)
                          join u in db.Users on c.ActorUserId equals u.Id into us
                          from u in us.DefaultIfEmpty()
                          select new { c, Name = u == null ? c.ActorDetail : u.DisplayName != "" ? u.DisplayName : u.Email }).ToListAsync(ct);
        return rows.Select(r => (new KeysetPosition(r.c.At, ChangeRank, r.c.Id), new TimelineEntry
        {
            Id = $"change:{r.c.Id}", Type = TimelineFilter.Change, OccurredAt = r.c.At, RecordId = r.c.Id, Field = r.c.Field,
            OldValue = r.c.OldValue, NewValue = r.c.NewValue, Action = r.c.Action.ToString().ToLowerInvariant(), Actor = r.Name,
        }));
    }

    /// <summary>
    /// Behaviour events are many and small, so they appear as one entry per UTC day and type. Events are read newest
    /// first in chunks from the cursor's day until enough whole days are summed; a day is only emitted once a row of an
    /// earlier day (or the end) shows it is complete. The entry's id is the day's smallest event id of that type.
    /// </summary>
    private async Task<IEnumerable<(KeysetPosition, TimelineEntry)>> BehaviorAsync(long customerId, KeysetPosition? after, int take, CancellationToken ct)
    {
        var events = db.BehaviorEvents.AsNoTracking().Where(e => e.CustomerId == customerId);
        if (after is { } a)
        {
            var dayEnd = a.At.Date.AddDays(1);
            events = events.Where(e => e.OccurredAt < dayEnd);
        }
        var groups = new Dictionary<(DateTime Day, string Type), (int Count, long MinId)>();
        var done = new List<(KeysetPosition, TimelineEntry)>();
        KeysetPosition? read = null;
        // A sparse history needs about one event per entry; a busy one grows the chunk until whole days are summed.
        var size = take * 2;
        while (true)
        {
            var chunk = await Newest(events, e => e.OccurredAt, e => e.Id, read, 0, size)
                .Select(e => new { e.Id, e.Type, e.OccurredAt }).ToListAsync(ct);
            foreach (var e in chunk)
            {
                var key = (e.OccurredAt.Date, e.Type);
                groups[key] = groups.TryGetValue(key, out var g) ? (g.Count + 1, Math.Min(g.MinId, e.Id)) : (1, e.Id);
            }
            var exhausted = chunk.Count < size;
            var openDay = exhausted ? DateTime.MinValue : chunk[^1].OccurredAt.Date;
            foreach (var (key, g) in groups.Where(kv => kv.Key.Day > openDay).ToList())
            {
                groups.Remove(key);
                var day = DateTime.SpecifyKind(key.Day, DateTimeKind.Utc);
                var at = new KeysetPosition(day, BehaviorRank, g.MinId);
                if (after is { } cursor && at.CompareTo(cursor) >= 0) continue;
                done.Add((at, new TimelineEntry
                {
                    Id = $"behavior:{day:yyyy-MM-dd}:{key.Type}", Type = TimelineFilter.Behavior, OccurredAt = day, Title = key.Type, Count = g.Count,
                }));
            }
            // Whole days come out newest first, so once enough are summed the older ones cannot reach this page.
            if (exhausted || done.Count >= take) break;
            read = new KeysetPosition(chunk[^1].OccurredAt, 0, chunk[^1].Id);
            size = Math.Min(size * 2, MaxBehaviorChunk);
        }
        return done;
    }
}
