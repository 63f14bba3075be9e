using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Feedback;

/// <summary>Which survey to send to which customer; the language is the sender's when omitted.</summary>
public sealed class SurveyInput
{
    public long? CustomerId { get; set; }
    public FeedbackKind? Kind { get; set; }
    /// <summary>The communication the survey asks about (one of this customer's); optional.</summary>
    public long? CommunicationId { get; set; }
    /// <summary>"en" or "zh-Hans".</summary>
    public string? Language { get; set; }
}

/// <summary>
/// A sent survey as the API shows it. The link itself went only to the customer; Kith keeps its hash. The address it
/// went to is the customer's email, so it is null for a reader whose role hides that field, and so is
/// <see cref="NotSent"/>, which says why a survey asked for by such a reader went nowhere (see <see cref="SendSurvey"/>).
/// </summary>
public sealed record SurveyView(long Id, long CustomerId, FeedbackKind Kind, long? CommunicationId, string Language, string? SentTo,
    DateTime SentAt, DateTime ExpiresAt, DateTime? AnsweredAt, long? FeedbackId, string? NotSent = null);

/// <summary>
/// Sends a one-question survey (CSAT or NPS) to a customer by system mail: a link with a random token that answers
/// once, within <see cref="Lifetime"/>. System mail rather than the agent's mailbox, so that any agent can send one
/// without connecting a mailbox, and the survey is Kith asking, not a conversation on the timeline.
/// <para>
/// A sender whose role hides the customer's email gets an answer that does not depend on it: when the customer has no
/// address, or the mail server refuses the message, the survey is still recorded (with no address: it went nowhere
/// and cannot be answered) and answered like a sent one; readers who may see the email see that it was not sent.
/// Everyone else is told at once, as before.
/// </para>
/// </summary>
public sealed class SendSurvey(KithDb db, ISystemMail mail, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    public async Task<SurveyView> HandleAsync(SurveyInput input, AccessScope scope, CancellationToken ct)
    {
        if (input.CustomerId is not { } customerId) throw RuleViolation.Field("customerId", "customerId is required: the customer to ask.");
        var customer = await scope.Visible(db.Customers.AsNoTracking()).FirstOrDefaultAsync(c => c.Id == customerId, ct) ?? throw new NotFound("Customer");
        scope.EnsureCanCreate();
        var sender = await db.Users.AsNoTracking().FirstAsync(u => u.Id == scope.UserId, ct);
        var errors = new Dictionary<string, string[]>();
        if (input.Kind is not { } kind || !Enum.IsDefined(kind)) errors["kind"] = ["kind is required: csat or nps."];
        var language = input.Language ?? (sender.Language == "zh-Hans" ? "zh-Hans" : "en");
        if (language is not ("en" or "zh-Hans")) errors["language"] = ["language must be en or zh-Hans."];
        var emailHidden = scope.Fields.IsHidden(CustomFieldEntity.Customer, "email");
        if (string.IsNullOrEmpty(customer.Email) && !emailHidden) errors["customerId"] = ["This customer has no email address to send the survey to."];
        if (input.CommunicationId is { } communicationId && !await RecordFeedback.IsAboutCustomerAsync(db, scope, communicationId, customerId, ct))
            errors["communicationId"] = ["communicationId must be a communication of this customer that you can read."];
        if (errors.Count > 0) throw new RuleViolation("The survey cannot be sent.", errors);

        var token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow().UtcDateTime;
        var survey = new FeedbackSurvey
        {
            CustomerId = customerId, CommunicationId = input.CommunicationId, Kind = input.Kind!.Value, AgentId = scope.UserId, TokenHash = Hash(token),
            Language = language, SentTo = customer.Email ?? "", SentAt = now, ExpiresAt = now + Lifetime, CreatedByUserId = scope.UserId,
        };
        // The language rides in the link, so the page speaks it whatever the browser prefers.
        var link = await mail.LinkAsync($"/survey/{token}?culture={language}", ct);
        var (subject, text) = Message(survey, customer.Name, sender.DisplayName, link);
        // Sent before it is stored: a refused message leaves no survey behind, unless the sender may not know why.
        try
        {
            if (survey.SentTo.Length > 0) await mail.SendAsync(survey.SentTo, subject, text, null, ct);
        }
        catch (RuleViolation) when (emailHidden)
        {
            survey.SentTo = "";
        }
        db.FeedbackSurveys.Add(survey);
        await db.SaveChangesAsync(CancellationToken.None);
        return View(survey, scope.Fields);
    }

    /// <summary>Why a survey has no address, for readers who may see the email.</summary>
    public const string NotSentReason = "Nothing was sent: the customer had no email address, or the mail server refused the message.";

    public static SurveyView View(FeedbackSurvey s, FieldAccess fields) =>
        new(s.Id, s.CustomerId, s.Kind, s.CommunicationId, s.Language, fields.Shown(CustomFieldEntity.Customer, "email", s.SentTo.Length > 0 ? s.SentTo : null),
            s.SentAt, s.ExpiresAt, s.AnsweredAt, s.FeedbackId, fields.Shown(CustomFieldEntity.Customer, "email", s.SentTo.Length > 0 ? null : NotSentReason));

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));


    private static (string Subject, string Text) Message(FeedbackSurvey survey, string customerName, string senderName, string link)
    {
        var until = survey.ExpiresAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        // Names are the users' own text and only go in the body, never in a header.
        if (survey.Language == "zh-Hans")
            return survey.Kind == FeedbackKind.Csat
                ? ("您对我们的服务满意吗？", $"{customerName}，您好：\n\n{senderName} 想了解您对我们服务的满意程度。只需一分钟，请点击下面的链接回答：\n\n{link}\n\n该链接只能使用一次，有效期至 {until}。\n\n谢谢！\n")
                : ("您会向朋友推荐我们吗？", $"{customerName}，您好：\n\n{senderName} 想知道您有多大可能向朋友或同事推荐我们。只需一分钟，请点击下面的链接回答：\n\n{link}\n\n该链接只能使用一次，有效期至 {until}。\n\n谢谢！\n");
        return survey.Kind == FeedbackKind.Csat
            ? ("How satisfied are you with our service?", $"Hello {customerName},\n\n{senderName} would like to know how satisfied you are with our service. It takes a minute; answer here:\n\n{link}\n\nThe link works once, until {until}.\n\nThank you!\n")
            : ("Would you recommend us?", $"Hello {customerName},\n\n{senderName} would like to know how likely you are to recommend us to a friend or colleague. It takes a minute; answer here:\n\n{link}\n\nThe link works once, until {until}.\n\nThank you!\n");
    }
}
