using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

/// <summary>
/// The checks every write of a communication passes, collected so that one 400 names every bad field, before
/// anything is written. <c>scope</c> null means Kith itself records it (mail sync): records must exist, not be in reach.
/// </summary>
internal static class CommunicationRules
{
    private static readonly DateTime s_earliest = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static async Task ApplyAsync(KithDb db, CommunicationChoices choices, Communication c, CommunicationInput input, AccessScope? scope, DateTime now, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors.TryAdd(field, [message]);

        var customers = scope is null ? db.Customers.AsNoTracking().Where(x => x.DeletedAt == null) : scope.Visible(db.Customers.AsNoTracking());
        if (input.CustomerId <= 0) Fail("customerId", "A communication needs the id of its customer.");
        else if (!await customers.AnyAsync(x => x.Id == input.CustomerId, ct)) Fail("customerId", $"There is no customer {input.CustomerId}.");
        if (input.CompanyId is { } companyId)
        {
            var companies = scope is null ? db.Companies.AsNoTracking().Where(x => x.DeletedAt == null) : scope.Visible(db.Companies.AsNoTracking());
            if (!await companies.AnyAsync(x => x.Id == companyId, ct)) Fail("companyId", $"There is no company {companyId}.");
        }
        string? channel = null, outcome = null;
        if (string.IsNullOrWhiteSpace(input.Channel)) Fail("channel", "A communication needs a channel; GET /api/v1/channels lists them.");
        else
        {
            try { channel = await choices.CheckAsync(ChoiceKind.Channel, input.Channel, "channel", ct); }
            catch (RuleViolation e) { Fail("channel", e.Message); }
        }
        try { outcome = await choices.CheckAsync(ChoiceKind.Outcome, input.Outcome, "outcome", ct); }
        catch (RuleViolation e) { Fail("outcome", e.Message); }
        if (input.Direction is { } d && !Enum.IsDefined(d)) Fail("direction", "The direction is inbound or outbound.");
        var at = input.OccurredAt?.UtcDateTime ?? now;
        if (at < s_earliest || at > now.AddYears(1)) Fail("occurredAt", "The time is not between 1900 and a year from now.");
        if (input.DurationSeconds is < 0 or > 7 * 24 * 3600) Fail("durationSeconds", "The duration is between 0 and 604800 seconds (a week).");
        var subject = string.IsNullOrWhiteSpace(input.Subject) ? null : input.Subject.Trim();
        if (subject is { Length: > 500 }) Fail("subject", "The subject is longer than 500 characters.");
        if (!Enum.IsDefined(input.ContentFormat)) Fail("contentFormat", "The content format is text or html.");
        if (!Enum.IsDefined(input.Visibility)) Fail("visibility", "The visibility is customer or participants.");
        var content = string.IsNullOrWhiteSpace(input.Content) ? null : input.Content;
        if (content is { Length: > CommunicationInput.MaxContentLength })
            Fail("content", $"The content is {content.Length:N0} characters; the limit is {CommunicationInput.MaxContentLength:N0}.");
        else if (content is not null && input.ContentFormat == ContentFormat.Html)
        {
            content = RichText.Sanitize(content);
            if (content.Length > CommunicationInput.MaxContentLength)
                Fail("content", $"The content is longer than {CommunicationInput.MaxContentLength:N0} characters.");
        }
        var users = input.ParticipantUserIds.Distinct().ToArray();
        if (users.Length > 0)
        {
            var found = await db.Users.AsNoTracking().Where(u => users.Contains(u.Id) && !u.IsDisabled).Select(u => u.Id).ToListAsync(ct);
            if (users.Except(found).FirstOrDefault() is var missing and > 0) Fail("participantUserIds", $"There is no user {missing}.");
        }
        var others = input.ParticipantCustomerIds.Distinct().ToArray();
        if (others.Length > 0)
        {
            var found = await customers.Where(x => others.Contains(x.Id)).Select(x => x.Id).ToListAsync(ct);
            if (others.Except(found).FirstOrDefault() is var missing and > 0) Fail("participantCustomerIds", $"There is no customer {missing}.");
        }
        if (errors.Count > 0) throw new RuleViolation(string.Join(" ", errors.Values.Select(v => v[0])), errors);

        c.CustomerId = input.CustomerId;
        c.CompanyId = input.CompanyId;
        c.Channel = channel!;
        c.Direction = input.Direction;
        c.OccurredAt = at;
        c.DurationSeconds = input.DurationSeconds;
        c.Subject = subject;
        c.Content = content;
        c.ContentFormat = input.ContentFormat;
        c.Outcome = outcome;
        c.Visibility = input.Visibility;
    }
}
