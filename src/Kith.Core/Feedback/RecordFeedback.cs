using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Feedback;

/// <summary>What a customer said, as an agent records it in the app or an integration sends it to the API.</summary>
public sealed class FeedbackInput
{
    public long? CustomerId { get; set; }
    /// <summary>The communication the answer is about (one of this customer's); optional.</summary>
    public long? CommunicationId { get; set; }
    public FeedbackKind? Kind { get; set; }
    /// <summary>CSAT 1-5, NPS 0-10.</summary>
    public int? Score { get; set; }
    public string? Comment { get; set; }
    /// <summary>The user the answer rates; the caller when omitted.</summary>
    public long? AgentId { get; set; }
    /// <summary>When the customer said it; now when omitted. Not in the future.</summary>
    public DateTime? AnsweredAt { get; set; }
}

/// <summary>Records a customer's answer. The customer must be in the caller's reach (else 404); every bad field is a 400 naming it.</summary>
public sealed class RecordFeedback(KithDb db, FeedbackQueries queries, TimeProvider clock)
{
    public const int MaxComment = 4000;

    public async Task<FeedbackView> HandleAsync(FeedbackInput input, AccessScope scope, ActorKind kind, CancellationToken ct)
    {
        if (input.CustomerId is not { } customerId) throw RuleViolation.Field("customerId", "customerId is required: the customer who answered.");
        if (!await scope.Visible(db.Customers.AsNoTracking()).AnyAsync(c => c.Id == customerId, ct)) throw new NotFound("Customer");
        scope.EnsureCanCreate();
        var now = clock.GetUtcNow().UtcDateTime;
        var errors = new Dictionary<string, string[]>();
        if (input.Kind is not { } feedbackKind || !Enum.IsDefined(feedbackKind)) errors["kind"] = ["kind is required: csat or nps."];
        else if (CheckScore(feedbackKind, input.Score) is { } scoreError) errors["score"] = [scoreError];
        var comment = CleanComment(input.Comment, errors);
        if (input.AnsweredAt is { } at && at.ToUniversalTime() > now.AddMinutes(5)) errors["answeredAt"] = ["answeredAt cannot be in the future."];
        if (input.CommunicationId is { } communicationId && !await IsAboutCustomerAsync(db, scope, communicationId, customerId, ct))
            errors["communicationId"] = ["communicationId must be a communication of this customer that you can read."];
        var agentId = input.AgentId ?? scope.UserId;
        if (input.AgentId is { } agent && !await db.Users.AnyAsync(u => u.Id == agent, ct)) errors["agentId"] = ["There is no user with this agentId."];
        if (errors.Count > 0) throw new RuleViolation("The feedback is not valid.", errors);

        var entry = new FeedbackEntry
        {
            CustomerId = customerId, CommunicationId = input.CommunicationId, Kind = input.Kind!.Value, Score = input.Score!.Value, Comment = comment,
            AgentId = agentId, Source = FeedbackSource.Agent, AnsweredAt = input.AnsweredAt?.ToUniversalTime() ?? now, CreatedAt = now,
            CreatedByKind = kind, CreatedByUserId = scope.UserId,
        };
        db.Feedback.Add(entry);
        await db.SaveChangesAsync(ct);
        return await queries.GetAsync(scope, entry.Id, ct);
    }

    /// <summary>Null when the score fits the scale, else what is wrong.</summary>
    public static string? CheckScore(FeedbackKind kind, int? score)
    {
        var (min, max) = (FeedbackEntry.MinScore(kind), FeedbackEntry.MaxScore(kind));
        return score is { } s && s >= min && s <= max ? null : $"score must be a whole number from {min} to {max} for {(kind == FeedbackKind.Csat ? "CSAT" : "NPS")}.";
    }

    internal static string? CleanComment(string? comment, Dictionary<string, string[]> errors)
    {
        var text = comment?.Trim();
        if (text is { Length: > MaxComment }) errors["comment"] = [$"comment must be at most {MaxComment:N0} characters."];
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>The communication is readable by the caller and filed under the customer or has them taking part.</summary>
    internal static async Task<bool> IsAboutCustomerAsync(KithDb db, AccessScope scope, long communicationId, long customerId, CancellationToken ct) =>
        await db.Communications.AnyAsync(c => c.Id == communicationId
                                              && (c.CustomerId == customerId || c.Participants.Any(p => p.CustomerId == customerId)), ct)
        && await CommunicationAccess.CanReadAsync(db, scope, communicationId, ct);
}
