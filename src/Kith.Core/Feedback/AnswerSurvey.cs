using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Feedback;

/// <summary>Open: waiting for its answer. Answered: already used. Expired: past its lifetime. Unknown: no such link (or its customer is gone).</summary>
public enum SurveyState { Open, Answered, Expired, Unknown }

/// <summary>What came of an answer: recorded, or not and why (already answered, expired, unknown).</summary>
public sealed record SurveyOutcome(bool Recorded, SurveyState State);

/// <summary>What the public survey page needs: no customer data, only the question and the language.</summary>
public sealed record SurveyQuestion(SurveyState State, FeedbackKind Kind, string Language);

/// <summary>
/// The customer's side of a survey, reached without signing in through the link's token. A token answers once: the
/// survey is claimed by one conditional update (unanswered and unexpired), so two submissions at once record one answer.
/// </summary>
public sealed class AnswerSurvey(KithDb db, TimeProvider clock)
{
    public async Task<SurveyQuestion> OpenAsync(string token, CancellationToken ct)
    {
        var survey = await FindAsync(token, ct);
        return survey is null ? new SurveyQuestion(SurveyState.Unknown, FeedbackKind.Csat, "en") : new SurveyQuestion(State(survey), survey.Kind, survey.Language);
    }

    /// <summary>Records the answer, or says which state kept it from being recorded. A bad score is a 400.</summary>
    public async Task<SurveyOutcome> HandleAsync(string token, int? score, string? comment, CancellationToken ct)
    {
        var survey = await FindAsync(token, ct);
        if (survey is null) return new(false, SurveyState.Unknown);
        if (State(survey) is not SurveyState.Open and var closed) return new(false, closed);
        var errors = new Dictionary<string, string[]>();
        if (RecordFeedback.CheckScore(survey.Kind, score) is { } scoreError) errors["score"] = [scoreError];
        var text = RecordFeedback.CleanComment(comment, errors);
        if (errors.Count > 0) throw new RuleViolation("The answer is not valid.", errors);

        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.FeedbackSurveys.Where(s => s.Id == survey.Id && s.AnsweredAt == null && s.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.AnsweredAt, now), ct);
        // Another submission claimed it since it was read.
        if (claimed == 0) return new(false, SurveyState.Answered);
        var entry = new FeedbackEntry
        {
            CustomerId = survey.CustomerId, CommunicationId = survey.CommunicationId, Kind = survey.Kind, Score = score!.Value, Comment = text,
            AgentId = survey.AgentId, Source = FeedbackSource.Survey, SurveyId = survey.Id, AnsweredAt = now, CreatedAt = now, CreatedByKind = ActorKind.System,
        };
        db.Feedback.Add(entry);
        await db.SaveChangesAsync(ct);
        await db.FeedbackSurveys.Where(s => s.Id == survey.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.FeedbackId, entry.Id), ct);
        await tx.CommitAsync(ct);
        return new(true, SurveyState.Answered);
    }

    private async Task<FeedbackSurvey?> FindAsync(string token, CancellationToken ct)
    {
        // A token is 43 URL-safe characters; anything else is not worth a lookup.
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        var hash = SendSurvey.Hash(token);
        var survey = await db.FeedbackSurveys.AsNoTracking().FirstOrDefaultAsync(s => s.TokenHash == hash, ct);
        if (survey is null || !await db.Customers.AnyAsync(c => c.Id == survey.CustomerId && c.DeletedAt == null, ct)) return null;
        return survey;
    }

    private SurveyState State(FeedbackSurvey s) =>
        s.AnsweredAt is not null ? SurveyState.Answered : s.ExpiresAt <= clock.GetUtcNow().UtcDateTime ? SurveyState.Expired : SurveyState.Open;
}
