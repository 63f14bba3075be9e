using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Feedback;

/// <summary>One answer as the API and the pages show it.</summary>
public sealed record FeedbackView(long Id, long CustomerId, string CustomerName, long? CommunicationId, FeedbackKind Kind, int Score,
    string? Comment, long? AgentId, string? AgentName, FeedbackSource Source, long? SurveyId, DateTime AnsweredAt);

public sealed record FeedbackPage(IReadOnlyList<FeedbackView> Items, string? NextCursor);

/// <summary>What to list: all filters optional.</summary>
public sealed record FeedbackFilter(long? CustomerId = null, long? AgentId = null, FeedbackKind? Kind = null, DateTime? From = null, DateTime? To = null);

/// <summary>
/// Reads answers. Feedback follows its customer: an answer whose customer is out of the caller's reach (or deleted)
/// is absent from every list and total, and 404 by id.
/// </summary>
public sealed class FeedbackQueries(KithDb db)
{
    public const int DefaultLimit = 50, MaxLimit = 500;

    internal IQueryable<FeedbackEntry> Visible(AccessScope scope)
    {
        var customers = scope.Visible(db.Customers.AsNoTracking());
        return db.Feedback.AsNoTracking().Where(f => customers.Any(c => c.Id == f.CustomerId));
    }

    public async Task<FeedbackView> GetAsync(AccessScope scope, long id, CancellationToken ct) =>
        (await ViewsAsync(Visible(scope).Where(f => f.Id == id), ct)).FirstOrDefault() ?? throw new NotFound("Feedback");

    public async Task<FeedbackPage> ListAsync(AccessScope scope, FeedbackFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit) throw RuleViolation.Field("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        if (filter.CustomerId is { } customerId && !await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct))
            throw new NotFound("Customer");
        var q = Filtered(Visible(scope), filter);
        var (rows, next) = await Keyset.PageAsync(q, f => f.AnsweredAt, f => f.Id, cursor, limit, ct);
        return new FeedbackPage(await ViewsAsync(rows, ct), next);
    }

    /// <summary>The surveys sent to a customer in reach, newest first.</summary>
    public async Task<List<SurveyView>> SurveysAsync(AccessScope scope, long customerId, CancellationToken ct)
    {
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        var rows = await db.FeedbackSurveys.AsNoTracking().Where(s => s.CustomerId == customerId).OrderByDescending(s => s.SentAt).ThenByDescending(s => s.Id)
            .Take(MaxLimit).ToListAsync(ct);
        return rows.Select(s => SendSurvey.View(s, scope.Fields)).ToList();
    }

    internal static IQueryable<FeedbackEntry> Filtered(IQueryable<FeedbackEntry> q, FeedbackFilter filter)
    {
        if (filter.CustomerId is { } customer) q = q.Where(f => f.CustomerId == customer);
        if (filter.AgentId is { } agent) q = q.Where(f => f.AgentId == agent);
        if (filter.Kind is { } kind) q = q.Where(f => f.Kind == kind);
        if (filter.From is { } from) q = q.Where(f => f.AnsweredAt >= from);
        if (filter.To is { } to) q = q.Where(f => f.AnsweredAt < to);
        return q;
    }

    private async Task<List<FeedbackView>> ViewsAsync(IQueryable<FeedbackEntry> q, CancellationToken ct) =>
        await ViewsAsync(await q.ToListAsync(ct), ct);

    private async Task<List<FeedbackView>> ViewsAsync(IReadOnlyList<FeedbackEntry> rows, CancellationToken ct)
    {
        var customerIds = rows.Select(r => r.CustomerId).Distinct().ToArray();
        var agentIds = rows.Where(r => r.AgentId != null).Select(r => r.AgentId!.Value).Distinct().ToArray();
        var customers = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var agents = await db.Users.AsNoTracking().Where(u => agentIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName != "" ? u.DisplayName : u.Email, ct);
        return rows.Select(f => new FeedbackView(f.Id, f.CustomerId, customers.GetValueOrDefault(f.CustomerId, ""), f.CommunicationId, f.Kind, f.Score,
            f.Comment, f.AgentId, f.AgentId is { } a ? agents.GetValueOrDefault(a) : null, f.Source, f.SurveyId, f.AnsweredAt)).ToList();
    }
}
