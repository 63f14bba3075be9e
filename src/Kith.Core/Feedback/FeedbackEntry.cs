using Kith.Core.Infrastructure;

namespace Kith.Core.Feedback;

/// <summary>CSAT: "how satisfied were you", 1 to 5. NPS: "how likely are you to recommend us", 0 to 10.</summary>
public enum FeedbackKind { Csat, Nps }

/// <summary>Agent: a user recorded what the customer said (in the app or through the API). Survey: the customer answered a survey link.</summary>
public enum FeedbackSource { Agent, Survey }

/// <summary>
/// One answer of a customer: a CSAT or an NPS score with an optional comment, on its own or about a communication.
/// It is credited to an agent (who recorded it or sent the survey) for the results per agent. What it is about is
/// held in nullable ids, so a later subject (a service case) is one more nullable column.
/// </summary>
public sealed class FeedbackEntry
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public long? CommunicationId { get; set; }
    public FeedbackKind Kind { get; set; }
    public int Score { get; set; }
    public string? Comment { get; set; }
    /// <summary>The user the answer rates; null when that user is gone.</summary>
    public long? AgentId { get; set; }
    public FeedbackSource Source { get; set; }
    public long? SurveyId { get; set; }
    /// <summary>When the customer gave the answer; where it sits on the timeline and in the results over time.</summary>
    public DateTime AnsweredAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public ActorKind CreatedByKind { get; set; }
    public long? CreatedByUserId { get; set; }

    public static int MinScore(FeedbackKind kind) => kind == FeedbackKind.Csat ? 1 : 0;

    public static int MaxScore(FeedbackKind kind) => kind == FeedbackKind.Csat ? 5 : 10;
}

/// <summary>
/// A survey sent by email: the customer answers it once through the link within its lifetime. Only the SHA-256 of
/// the link's token is kept, so the database alone cannot answer a survey.
/// </summary>
public sealed class FeedbackSurvey
{
    public long Id { get; set; }
    public long CustomerId { get; set; }
    public long? CommunicationId { get; set; }
    public FeedbackKind Kind { get; set; }
    public long? AgentId { get; set; }
    /// <summary>Lower-case hex SHA-256 of the token in the link.</summary>
    public string TokenHash { get; set; } = "";
    /// <summary>"en" or "zh-Hans": the language of the email and of the survey page.</summary>
    public string Language { get; set; } = "en";
    public string SentTo { get; set; } = "";
    public DateTime SentAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? AnsweredAt { get; set; }
    public long? FeedbackId { get; set; }
    public long? CreatedByUserId { get; set; }
}
