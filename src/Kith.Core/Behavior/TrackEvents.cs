using System.Text.Json;
using System.Text.RegularExpressions;
using Kith.Core.Customers;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>
/// Takes what the tracking snippet (/t.js) sends from a business's website:
/// { "visitorId", "email"?, "identify"?, "events": [{ "eventId", "type", "occurredAt", "page"?, "properties"? }] }.
/// A visitor not yet identified is anonymous: its events wait in pending_events under its visitor id. "identify"
/// (the visitor signed up or logged in with that email) moves the visitor's earlier events onto the customer with that
/// email, or re-parks them under the email until such a customer exists; the snippet then sends "email" with every
/// batch, so later events go straight to the customer.
/// </summary>
/// <remarks>
/// The site key is public (it sits in the page) and so is everything a browser sends, so anyone can send events to any
/// email through it, as with every website tracker: tracked events are what a visitor claims. The key therefore only
/// writes events, reads nothing and answers nothing about customers; the counts it answers say what was taken.
/// </remarks>
public sealed partial class TrackEvents(KithDb db, TimeProvider clock)
{
    /// <summary>The snippet sends at most this many events at once; a page sends far fewer.</summary>
    public const int MaxEvents = 100;

    [GeneratedRegex("^[A-Za-z0-9_-]{8,64}$")]
    private static partial Regex VisitorPattern();

    public async Task<IngestResult> HandleAsync(SiteKey key, JsonElement body, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object) throw RuleViolation.Field("body", "Send a JSON object { \"visitorId\", \"events\": [...] }.");
        var visitor = body.TryGetProperty("visitorId", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        if (!VisitorPattern().IsMatch(visitor))
            throw RuleViolation.Field("visitorId", "visitorId must be 8 to 64 letters, digits, - or _.");
        var email = Email(body, "email");
        var identify = Email(body, "identify");
        var items = body.TryGetProperty("events", out var e) ? e : default;
        if (items.ValueKind is not (JsonValueKind.Array or JsonValueKind.Undefined))
            throw RuleViolation.Field("events", "events must be an array.");
        var count = items.ValueKind == JsonValueKind.Array ? items.GetArrayLength() : 0;
        if (count > MaxEvents) throw RuleViolation.Field("events", $"The tracker sends at most {MaxEvents} events at once; this request has {count}.");

        // A person who withdrew consent to tracking is not tracked: nothing of the batch is stored, not even parked.
        if ((email ?? identify) is { } person && await Privacy.CustomerConsents.WithdrawnByEmailAsync(db, person, Privacy.ConsentPurposes.Tracking, ct))
            return new IngestResult(0, 0, 0, Enumerable.Range(0, count).Select(i => new EventError(i, null, "consent", "This person withdrew consent to tracking.")).ToList());
        if (identify is not null) await IdentifyAsync(visitor, identify, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var reference = (email ?? identify) is { } known ? (EventReference.Email, known) : (EventReference.Visitor, visitor);
        var errors = new List<EventError>();
        var events = new List<IncomingEvent>(count);
        for (var i = 0; i < count; i++)
            if (IngestEvents.Parse(items[i], i, now, errors, reference) is { } parsed) events.Add(parsed);
        return await IngestEvents.StoreAsync(db, events, null, "tracker", key.Id, now, errors, ct);
    }

    /// <summary>The visitor is the person with this email: their anonymous events follow them onto the customer.</summary>
    private async Task IdentifyAsync(string visitor, string email, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await AttachPendingEvents.LockAsync(db, ct);
        // Re-parked under the email, the events then move with every other event waiting for that email.
        await db.PendingEvents.Where(p => p.ReferenceKind == EventReference.Visitor && p.ReferenceValue == visitor)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.ReferenceKind, EventReference.Email).SetProperty(p => p.ReferenceValue, email), ct);
        await AttachPendingEvents.AttachAsync(db, EventReference.Email, [email], ct);
        await tx.CommitAsync(ct);
    }

    private static string? Email(JsonElement body, string field)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw RuleViolation.Field(field, $"{field} must be an email address.");
        return ContactRules.NormalizeEmail(value.GetString(), field);
    }
}
