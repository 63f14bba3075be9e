using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Behavior;

/// <summary>One refused event of a batch: its position in the batch, its id when it had one, the field and why.</summary>
public sealed record EventError(int Index, string? EventId, string Field, string Message);

/// <summary>
/// What became of a batch: stored on a customer (accepted), already stored before (duplicates), kept until their
/// customer exists (pending), refused (errors). Every event of the batch is in exactly one of the four.
/// </summary>
public sealed record IngestResult(int Accepted, int Duplicates, int Pending, IReadOnlyList<EventError> Errors);

/// <summary>
/// Takes a batch of behaviour events sent through the API (POST /api/v1/events). Each event is checked on its own:
/// the valid ones are stored, the others come back with their index, field and reason. Idempotent by event id: an
/// event already stored, or already waiting for its customer, counts as a duplicate and changes nothing.
/// </summary>
/// <remarks>
/// Reach: a caller sends events only for customers they reach. An event naming a customer that exists out of the
/// caller's reach (or deleted) is refused as "not found", the same words as for an id that names nobody, and is not
/// parked: parking it would attach it to a record the caller may not touch the moment they send it. An external id or
/// email that names no customer at all is parked as pending, since that customer may yet be created. The one thing a
/// caller can tell from this is that some record holds that external id or email, which creating a customer with the
/// same external id tells them too (409).
/// </remarks>
public sealed partial class IngestEvents(KithDb db, TimeProvider clock, EventBatchCommits commits)
{
    public const int MaxBatch = 10_000;
    public const int MaxPropertiesBytes = 8 * 1024;
    public const int MaxEventIdLength = 100;
    public const int MaxPageLength = 2000;

    private static readonly HashSet<string> Fields = ["eventId", "customerId", "customerExternalId", "email", "type", "occurredAt", "page", "properties"];

    /// <summary>The latest time an event may have: a day ahead of now allows for senders' clocks, not for the future.</summary>
    internal static DateTime Latest(DateTime now) => now.AddDays(1);

    /// <summary>
    /// Checks the events on the caller's thread, then stores them together with the batches other requests sent
    /// meanwhile, in one transaction (<see cref="EventBatchCommits"/>); the answer is this batch's alone.
    /// </summary>
    public async Task<IngestResult> HandleAsync(JsonElement body, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        var items = Items(body);
        var now = clock.GetUtcNow().UtcDateTime;
        var errors = new List<EventError>();
        var events = new List<IncomingEvent>(items.Count);
        for (var i = 0; i < items.Count; i++)
            if (Parse(items[i], i, now, errors) is { } e) events.Add(e);
        var unique = Unique(events, errors);
        return Result(await commits.WriteAsync(db, new EventBatch(unique, scope.OwnerIds, "api", null, now)), errors);
    }

    /// <summary>The events of a body: a JSON array, or an object { "events": [...] }. Anything else, or too many, is a 400.</summary>
    private static List<JsonElement> Items(JsonElement body)
    {
        var array = body.ValueKind switch
        {
            JsonValueKind.Array => body,
            JsonValueKind.Object when body.TryGetProperty("events", out var inner) && inner.ValueKind == JsonValueKind.Array => inner,
            _ => throw RuleViolation.Field("body", "Send a JSON array of events, or an object { \"events\": [ ... ] }."),
        };
        var count = array.GetArrayLength();
        if (count > MaxBatch)
            throw RuleViolation.Field("events", $"A batch holds at most {MaxBatch:N0} events; this one has {count:N0}. Split it into smaller batches.");
        return array.EnumerateArray().ToList();
    }

    /// <summary>
    /// Reads one event of a batch, or adds its errors (every field that is wrong, not just the first). With
    /// <paramref name="reference"/> the customer is named by the batch (the tracking snippet's visitor), not the event.
    /// </summary>
    internal static IncomingEvent? Parse(JsonElement item, int index, DateTime now, List<EventError> errors, (string Kind, string Value)? reference = null)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new EventError(index, null, "", "An event is a JSON object."));
            return null;
        }
        var before = errors.Count;
        string? eventId = null;
        if (item.TryGetProperty("eventId", out var idValue) && idValue.ValueKind == JsonValueKind.String) eventId = idValue.GetString()!.Trim();
        void Fail(string field, string message) => errors.Add(new EventError(index, eventId, field, message));

        foreach (var p in item.EnumerateObject())
            if (!Fields.Contains(p.Name) || (reference is not null && p.Name is "customerId" or "customerExternalId" or "email"))
                Fail(p.Name, reference is null
                    ? $"Unknown field '{p.Name}'; an event has eventId, customerId, customerExternalId, email, type, occurredAt, page and properties."
                    : $"Unknown field '{p.Name}'; a tracked event has eventId, type, occurredAt, page and properties.");

        if (idValue.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null || eventId is { Length: 0 })
            Fail("eventId", "eventId is required: the sender's id for the event, so a retried batch never counts it twice.");
        else if (idValue.ValueKind != JsonValueKind.String) Fail("eventId", "eventId must be a string.");
        else if (eventId!.Length > MaxEventIdLength) Fail("eventId", $"eventId is at most {MaxEventIdLength} characters.");

        var (refKind, refValue, customerId) = reference is { } fixedRef ? (fixedRef.Kind, fixedRef.Value, null) : Reference(item, Fail);
        var type = EventType(item, Fail);
        var occurredAt = Instant(item, now, Fail);
        string? properties = null;
        string? page = null;
        if (item.TryGetProperty("properties", out var props) && props.ValueKind != JsonValueKind.Null)
        {
            if (props.ValueKind != JsonValueKind.Object) Fail("properties", "properties must be a JSON object.");
            else
            {
                properties = JsonSerializer.Serialize(props);
                var size = Encoding.UTF8.GetByteCount(properties);
                if (size > MaxPropertiesBytes) Fail("properties", $"properties are at most {MaxPropertiesBytes / 1024} KB serialised; these are {size:N0} bytes.");
                if (props.TryGetProperty("page", out var inner) && inner.ValueKind == JsonValueKind.String) page = inner.GetString();
                // A purchase's amount goes into revenue in micros (a 64-bit integer): one beyond it would saturate the
                // sum on SQLite and fail the whole batch's rollup on PostgreSQL, so it is refused like an import's.
                if (type == "purchase" && props.TryGetProperty("amount", out var amount) && amount.ValueKind == JsonValueKind.Number
                    && !(amount.TryGetDecimal(out var value) && Math.Abs(value) < Purchase.MaxAmount))
                    Fail("properties", $"properties.amount {amount.GetRawText()} is too large; a purchase's amount is less than {Purchase.MaxAmount:N0}.");
            }
        }
        if (item.TryGetProperty("page", out var top) && top.ValueKind != JsonValueKind.Null)
        {
            if (top.ValueKind != JsonValueKind.String) Fail("page", "page must be a string.");
            else page = top.GetString();
        }
        page = ContactRules.Clean(page);
        if (page is { Length: > MaxPageLength }) Fail("page", $"page is at most {MaxPageLength} characters.");
        if (errors.Count > before) return null;
        return new IncomingEvent
        {
            Index = index, EventId = eventId, CustomerId = customerId, ReferenceKind = refKind, ReferenceValue = refValue,
            Type = type!, OccurredAt = occurredAt!.Value, Page = page, Properties = properties,
        };
    }

    private static (string? Kind, string? Value, long? CustomerId) Reference(JsonElement item, Action<string, string> fail)
    {
        // Looked up once each, without a list per event: this runs 10,000 times a batch.
        var (hasId, hasExternal, hasEmail) = (Given(item, "customerId", out var byId), Given(item, "customerExternalId", out var byExternal), Given(item, "email", out var byEmail));
        var count = (hasId ? 1 : 0) + (hasExternal ? 1 : 0) + (hasEmail ? 1 : 0);
        if (count == 0)
        {
            fail("customerId", "The event names no customer: give customerId (Kith's id), customerExternalId or email.");
            return default;
        }
        if (count > 1)
        {
            string[] given = [.. new[] { (hasId, "customerId"), (hasExternal, "customerExternalId"), (hasEmail, "email") }.Where(g => g.Item1).Select(g => g.Item2)];
            fail(given[1], $"Name the customer once: this event gives {string.Join(" and ", given)}.");
            return default;
        }
        var (name, value) = hasId ? ("customerId", byId) : hasExternal ? ("customerExternalId", byExternal) : ("email", byEmail);
        switch (name)
        {
            case "customerId":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var id) && id > 0) return (null, null, id);
                fail("customerId", "customerId is Kith's numeric id of the customer; send your own id as customerExternalId.");
                return default;
            case "customerExternalId":
                var ext = value.ValueKind == JsonValueKind.String ? ContactRules.Clean(value.GetString()) : null;
                if (ext is null || ext.Length > 100) fail("customerExternalId", "customerExternalId must be a string of 1 to 100 characters.");
                return (EventReference.ExternalId, ext, null);
            default:
                if (value.ValueKind != JsonValueKind.String)
                {
                    fail("email", "email must be a string.");
                    return default;
                }
                try
                {
                    var email = ContactRules.NormalizeEmail(value.GetString());
                    if (email is null) fail("email", "email is empty.");
                    return (EventReference.Email, email, null);
                }
                catch (RuleViolation e)
                {
                    fail("email", e.Message);
                    return default;
                }
        }
    }

    private static bool Given(JsonElement item, string field, out JsonElement value) =>
        item.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null;

    private static string? EventType(JsonElement item, Action<string, string> fail)
    {
        if (!item.TryGetProperty("type", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            fail("type", "type is required, such as access, like, purchase or a key of your own.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            fail("type", "type must be a string, such as page_view or add to cart.");
            return null;
        }
        // Stored as its key (ADR-0053): "Add to cart" as add_to_cart, so that filters, segments and analyses can name it.
        var text = value.GetString()!;
        var type = EventTypes.Normalize(text);
        if (type is null) fail("type", EventTypes.Explain(text));
        return type;
    }

    /// <summary>An instant with its offset (Z or +08:00): a time without one could be any of 26 hours.</summary>
    internal static DateTime? Instant(JsonElement item, DateTime now, Action<string, string> fail)
    {
        if (!item.TryGetProperty("occurredAt", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            fail("occurredAt", "occurredAt is required: when the event happened, such as 2026-03-01T09:30:00Z.");
            return null;
        }
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim() : "";
        // A time in UTC (…Z, what most senders send) is read once: its DateTime is the instant. Any other offset is read
        // a second time as a DateTimeOffset, the exact instant (the DateTime comes back converted to the server's zone).
        var parsedOnce = DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed);
        var instant = default(DateTimeOffset);
        if (!parsedOnce || (parsed.Kind != DateTimeKind.Utc && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant)))
        {
            fail("occurredAt", $"occurredAt must be an ISO 8601 instant such as 2026-03-01T09:30:00Z, not '{Clip(value.ToString())}'.");
            return null;
        }
        if (parsed.Kind == DateTimeKind.Unspecified)
        {
            fail("occurredAt", $"occurredAt '{text}' has no time zone; add Z (UTC) or an offset such as +08:00.");
            return null;
        }
        var utc = parsed.Kind == DateTimeKind.Utc ? parsed : instant.UtcDateTime;
        if (utc < DateTime.UnixEpoch)
        {
            fail("occurredAt", $"occurredAt {text} is before 1970.");
            return null;
        }
        if (utc > Latest(now))
        {
            fail("occurredAt", $"occurredAt {text} is more than a day in the future.");
            return null;
        }
        return utc;
    }

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;

    /// <summary>
    /// Stores checked events: those whose customer is found in reach go to behavior_events, those whose external id or
    /// email names nobody (or that carry only a visitor id) are parked in pending_events, the rest are refused.
    /// </summary>
    /// <param name="owners">The sender's reach (null: every owner).</param>
    internal static async Task<IngestResult> StoreAsync(KithDb db, List<IncomingEvent> events, IReadOnlySet<long>? owners, string source,
        long? siteKeyId, DateTime now, List<EventError> errors, CancellationToken ct)
    {
        var batch = new EventBatch(Unique(events, errors), owners, source, siteKeyId, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var written = await WriteAsync(db, batch, ct);
        await tx.CommitAsync(ct);
        return Result(written, errors);
    }

    /// <summary>The events of a batch less those whose id came earlier in it: the same id twice cannot be both events.</summary>
    private static List<IncomingEvent> Unique(List<IncomingEvent> events, List<EventError> errors)
    {
        var firstAt = new Dictionary<string, int>(events.Count, StringComparer.Ordinal);
        var unique = new List<IncomingEvent>(events.Count);
        foreach (var e in events)
        {
            if (e.EventId is { } id && !firstAt.TryAdd(id, e.Index))
                errors.Add(new EventError(e.Index, id, "eventId", $"The eventId '{id}' appears again in this batch; it was first at index {firstAt[id]}."));
            else unique.Add(e);
        }
        return unique;
    }

    private static IngestResult Result(WrittenBatch written, List<EventError> errors)
    {
        errors.AddRange(written.Refused);
        return new IngestResult(written.Accepted, written.Duplicates, written.Pending, errors.OrderBy(e => e.Index).ToList());
    }

    /// <summary>
    /// Stores one batch of checked, unique events inside the caller's transaction, which holds the write lock on SQLite
    /// (so a customer created meanwhile is either seen here or created after these events are parked, and then attaches them).
    /// </summary>
    internal static async Task<WrittenBatch> WriteAsync(KithDb db, EventBatch batch, CancellationToken ct)
    {
        var resolved = await CustomerResolver.ResolveAsync(db, batch.Events, batch.Owners, ct);
        var stored = new List<BehaviorEvent>(batch.Events.Count);
        var parked = new List<PendingEvent>();
        var refused = new List<EventError>();
        foreach (var e in batch.Events)
        {
            var hit = resolved(e);
            if (hit.CustomerId is { } customer)
                stored.Add(new BehaviorEvent
                {
                    EventId = e.EventId, CustomerId = customer, Type = e.Type, OccurredAt = e.OccurredAt, Page = e.Page, Properties = e.Properties,
                });
            else if (hit.Park)
                parked.Add(new PendingEvent
                {
                    EventId = e.EventId, ReferenceKind = e.ReferenceKind!, ReferenceValue = e.ReferenceValue!, Type = e.Type,
                    OccurredAt = e.OccurredAt, Page = e.Page, Properties = e.Properties, Source = batch.Source, ReceivedAt = batch.Now,
                    SiteKeyId = batch.SiteKeyId,
                });
            else refused.Add(new EventError(e.Index, e.EventId, hit.Field!, hit.Message!));
        }
        var duplicates = (await new BulkInsert<BehaviorEvent>(db).InsertNewAsync(stored, "event_id", ct)).Count;
        var accepted = stored.Count - duplicates;
        var (pending, known) = await ParkAsync(db, parked, ct);
        duplicates += known;
        accepted += parked.Count - pending - known;
        return new WrittenBatch(accepted, duplicates, pending, refused);
    }

    /// <summary>
    /// Parks events whose customer does not exist yet, inside the caller's transaction; answers how many now wait and how
    /// many were stored or parked before (the rest found their customer, created meanwhile, and moved onto it).
    /// </summary>
    internal static async Task<(int Pending, int Duplicates)> ParkAsync(KithDb db, IReadOnlyList<PendingEvent> parked, CancellationToken ct)
    {
        if (parked.Count == 0) return (0, 0);
        // An event stored on its customer before, sent again naming the customer another way, is still the same event.
        var known = await StoredIdsAsync(db, parked.Select(p => p.EventId).OfType<string>().ToList(), ct);
        var toPark = parked.Where(p => p.EventId is null || !known.Contains(p.EventId)).ToList();
        var duplicates = parked.Count - toPark.Count;
        var again = (await new BulkInsert<PendingEvent>(db).InsertNewAsync(toPark, "event_id", ct)).Count;
        duplicates += again;
        var pending = toPark.Count - again;
        // A customer created while these events were on their way: attach now what would otherwise wait for nothing.
        var ids = toPark.Select(p => p.EventId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var kind in new[] { EventReference.ExternalId, EventReference.Email })
        {
            var values = toPark.Where(p => p.ReferenceKind == kind).Select(p => p.ReferenceValue).ToList();
            pending -= (await AttachPendingEvents.AttachAsync(db, kind, values, ct)).Count(p => p.EventId is { } id && ids.Contains(id));
        }
        return (pending, duplicates);
    }

    private static async Task<HashSet<string>> StoredIdsAsync(KithDb db, List<string> ids, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(1000))
            found.UnionWith(await db.BehaviorEvents.AsNoTracking().Where(e => chunk.Contains(e.EventId!)).Select(e => e.EventId!).ToListAsync(ct));
        return found;
    }
}

/// <summary>A batch's checked events, none of them sharing an id, and where they came from.</summary>
/// <param name="Owners">The sender's reach (null: every owner).</param>
internal sealed record EventBatch(List<IncomingEvent> Events, IReadOnlySet<long>? Owners, string Source, long? SiteKeyId, DateTime Now);

/// <summary>What became of a batch's unique events in the database.</summary>
internal sealed record WrittenBatch(int Accepted, int Duplicates, int Pending, List<EventError> Refused);

/// <summary>One event of a batch once read and checked.</summary>
internal sealed class IncomingEvent
{
    public int Index { get; init; }
    public string? EventId { get; init; }
    /// <summary>Kith's id of the customer, when the sender named it so.</summary>
    public long? CustomerId { get; init; }
    /// <summary>Otherwise how the sender named the customer (<see cref="EventReference"/>).</summary>
    public string? ReferenceKind { get; init; }
    public string? ReferenceValue { get; init; }
    public string Type { get; init; } = "";
    public DateTime OccurredAt { get; init; }
    public string? Page { get; init; }
    public string? Properties { get; init; }
}
