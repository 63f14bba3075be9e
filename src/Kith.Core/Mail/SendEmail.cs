using Kith.Core.Communications;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using MimeKit.Utils;

namespace Kith.Core.Mail;

/// <summary>An email to a customer: a subject and body with merge fields, or a template; optionally a reply to an email on their timeline.</summary>
public sealed class SendEmailInput
{
    /// <summary>The caller's mailbox to send through; their first mailbox when omitted.</summary>
    public long? MailboxId { get; set; }
    /// <summary>Fills subject and body when they are left empty.</summary>
    public long? TemplateId { get; set; }
    public string? Subject { get; set; }
    public string? Body { get; set; }
    /// <summary>The timeline entry (communication id) of the email this answers: the reply joins its thread.</summary>
    public long? ReplyTo { get; set; }
}

/// <summary>The email as it would leave, merge fields filled; what the compose dialog previews.</summary>
public sealed record EmailDraft(long MailboxId, string From, string To, string Subject, string Body, string? InReplyTo);

/// <summary>
/// Sends an email from the caller's mailbox to a customer through its SMTP server and records it on the customer's
/// timeline as an outbound email. Refuses line breaks in the subject and the names (header injection) with a 400.
/// </summary>
public sealed class SendEmail(KithDb db, MailAccess access, MailClients clients, TimeProvider clock)
{
    public const int MaxBody = 100_000;

    public async Task<EmailDraft> PreviewAsync(long customerId, SendEmailInput input, AccessScope scope, CancellationToken ct) =>
        (await PrepareAsync(customerId, input, scope, ct)).Draft;

    public async Task<EmailItem> HandleAsync(long customerId, SendEmailInput input, AccessScope scope, ActorKind kind, CancellationToken ct)
    {
        var (draft, box, customer, sender, parent) = await PrepareAsync(customerId, input, scope, ct);
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(sender.DisplayName, box.Address));
        mime.To.Add(new MailboxAddress(customer.Name, customer.Email!));
        mime.Subject = draft.Subject;
        var domain = box.Address[(box.Address.IndexOf('@') + 1)..];
        mime.MessageId = MimeUtils.GenerateMessageId(domain);
        mime.Date = clock.GetUtcNow();
        if (parent is not null)
        {
            mime.InReplyTo = parent.MessageId;
            foreach (var r in (parent.References ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)) mime.References.Add(r);
            mime.References.Add(parent.MessageId);
        }
        mime.Body = new TextPart("plain") { Text = draft.Body };

        try
        {
            using var smtp = await clients.ConnectSmtpAsync(box, ct);
            await smtp.SendAsync(mime, ct);
            await smtp.DisconnectAsync(true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new RuleViolation(MailClients.Describe(e, "SMTP", box.SmtpHost, box.SmtpPort) + " Nothing was sent.", status: 502);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var messageId = EmailContent.Clean(mime.MessageId)!;
        var message = new EmailMessage
        {
            MessageId = messageId,
            MailboxId = box.Id,
            OwnerId = box.OwnerId,
            InReplyTo = parent?.MessageId,
            References = mime.References.Count > 0 ? EmailContent.Clip(string.Join(' ', mime.References), 8000) : null,
            ThreadKey = parent?.ThreadKey ?? messageId,
            FromAddress = box.Address,
            FromName = sender.DisplayName,
            ToAddresses = customer.Email!,
            CcAddresses = "",
            Subject = draft.Subject,
            SentAt = now,
            Direction = Direction.Outbound,
            Visibility = box.Visibility,
            CreatedAt = now,
        };
        var communication = new Communication
        {
            CustomerId = customer.Id,
            Channel = "email",
            Direction = Direction.Outbound,
            OccurredAt = now,
            Subject = draft.Subject,
            Content = draft.Body,
            CreatedAt = now,
            CreatedByKind = kind,
            CreatedByUserId = scope.UserId,
        };
        MailOnTimeline.Share(communication, box.Visibility, box.OwnerId, [scope.UserId]);
        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        db.EmailMessages.Add(message);
        db.Communications.Add(communication);
        // The mail has left: record it even if the caller has gone away meanwhile.
        await db.SaveChangesAsync(CancellationToken.None);
        db.EmailParticipants.Add(new EmailParticipant { EmailMessageId = message.Id, UserId = box.OwnerId });
        db.EmailLinks.Add(new EmailLink { EmailMessageId = message.Id, CommunicationId = communication.Id, CustomerId = customer.Id });
        await db.SaveChangesAsync(CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        return new EmailItem(message.Id, communication.Id, message.MessageId, message.ThreadKey, message.Subject, message.SentAt, "outbound",
            message.FromAddress, message.FromName, message.ToAddresses, "", draft.Body, null, box.Id);
    }

    private async Task<(EmailDraft Draft, Mailbox Box, Customers.Customer Customer, User Sender, EmailMessage? Parent)> PrepareAsync(
        long customerId, SendEmailInput input, AccessScope scope, CancellationToken ct)
    {
        var customer = await scope.Visible(db.Customers.AsNoTracking()).Include(c => c.Company).FirstOrDefaultAsync(c => c.Id == customerId, ct)
                       ?? throw new NotFound("Customer");
        scope.EnsureCanEdit();
        // The draft, the sent message and the copy in the mailbox all show the address: a role that may not see it does
        // not write to it, whether or not the customer has one.
        if (scope.Fields.IsHidden(CustomFields.CustomFieldEntity.Customer, "email"))
            throw RuleViolation.Field("to", "Your role does not see customers' email addresses, so it cannot write to them from a mailbox.");
        if (string.IsNullOrEmpty(customer.Email)) throw RuleViolation.Field("to", "This customer has no email address.");
        // Sending speaks for the mailbox owner, so only the owner sends through it, administrators included.
        var boxes = db.Mailboxes.AsNoTracking().Where(m => m.OwnerId == scope.UserId);
        var box = input.MailboxId is { } id
            ? await boxes.FirstOrDefaultAsync(m => m.Id == id, ct) ?? throw RuleViolation.Field("mailboxId", "You have no mailbox with this id.")
            : await boxes.OrderBy(m => m.Id).FirstOrDefaultAsync(ct) ?? throw RuleViolation.Field("mailboxId", "Connect a mailbox first (Mailboxes in the menu).");
        var sender = await db.Users.AsNoTracking().FirstAsync(u => u.Id == scope.UserId, ct);

        var subject = input.Subject;
        var body = input.Body;
        if (input.TemplateId is { } templateId)
        {
            var template = await db.MailTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId, ct)
                           ?? throw RuleViolation.Field("templateId", "There is no template with this id.");
            if (string.IsNullOrWhiteSpace(subject)) subject = template.Subject;
            if (string.IsNullOrWhiteSpace(body)) body = template.Body;
        }
        EmailMessage? parent = null;
        if (input.ReplyTo is { } replyTo)
        {
            var link = await db.EmailLinks.AsNoTracking().FirstOrDefaultAsync(l => l.CommunicationId == replyTo && l.CustomerId == customerId, ct);
            parent = link is null ? null : await (await access.VisibleMessagesAsync(scope, ct)).FirstOrDefaultAsync(m => m.Id == link.EmailMessageId, ct);
            if (parent is null) throw RuleViolation.Field("replyTo", "replyTo must be an email on this customer's timeline.");
            if (string.IsNullOrWhiteSpace(subject))
                subject = parent.Subject is { } s && s.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? s : "Re: " + parent.Subject;
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(subject)) errors["subject"] = ["Write a subject or pick a template."];
        if (string.IsNullOrWhiteSpace(body)) errors["body"] = ["Write a message or pick a template."];
        else if (body.Length > MaxBody) errors["body"] = [$"The message is longer than {MaxBody:N0} characters."];
        if (HasLineBreak(customer.Name)) errors["to"] = ["The customer's name contains a line break, which would forge mail headers; correct the name first."];
        if (HasLineBreak(sender.DisplayName)) errors["from"] = ["Your display name contains a line break, which would forge mail headers; correct it first."];
        if (errors.Count > 0) throw new RuleViolation("The email cannot be sent.", errors);

        var values = MergeFields.For(customer.Name, customer.Company?.Name, customer.Email, customer.Phone, customer.City, sender.DisplayName, box.Address);
        var renderedSubject = MergeFields.Render(subject!, values, "subject").Trim();
        // Checked after merging: a merged value must not smuggle a header in either.
        if (HasLineBreak(renderedSubject)) throw RuleViolation.Field("subject", "The subject must be one line: a line break would forge mail headers.");
        if (renderedSubject.Length > 500) throw RuleViolation.Field("subject", "The subject is longer than 500 characters.");
        var renderedBody = MergeFields.Render(body!, values, "body");
        if (renderedBody.Length > MaxBody) throw RuleViolation.Field("body", $"The message is longer than {MaxBody:N0} characters.");
        var draft = new EmailDraft(box.Id, $"{sender.DisplayName} <{box.Address}>", $"{customer.Name} <{customer.Email}>", renderedSubject, renderedBody, parent?.MessageId);
        return (draft, box, customer, sender, parent);
    }

    private static bool HasLineBreak(string? text) => text is not null && text.AsSpan().IndexOfAny('\r', '\n') >= 0;
}
