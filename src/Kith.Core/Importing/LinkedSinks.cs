using System.Globalization;
using Kith.Core.Behavior;
using Kith.Core.Communications;
using Kith.Core.Infrastructure;
using Kith.Core.Purchases;

namespace Kith.Core.Importing;

/// <summary>
/// Stores rows that belong to a customer: purchases, communications, behaviour events. They are facts with an id from
/// the system they came from (order id, communication id, event id): a row whose id is already stored is counted
/// unchanged and left as it is, so importing a file twice, or a retried batch, never counts anything twice. The same
/// id twice in one file is refused the second time, since it cannot be both rows. (Purchases and communications
/// without an id cannot be recognised and are stored each time; an event must have its id, as in the API.)
/// </summary>
internal abstract class LinkedSink<T> : IRowSink where T : class
{
    private CustomerLinks _links = null!;

    public abstract IReadOnlyList<string[]> RequiredFieldSets { get; }

    /// <summary>The field holding the row's id in its source system, and the column it is stored in.</summary>
    protected abstract string KeyField { get; }
    protected abstract string KeyColumn { get; }

    public async Task PrepareAsync(ImportRun run, CancellationToken ct) => _links = await CustomerLinks.LoadAsync(run, ct);

    protected abstract T Build(ImportRun run, ImportRow row, long customerId);

    public async Task WriteAsync(ImportRun run, IReadOnlyList<ImportRow> rows, CancellationToken ct)
    {
        var toCreate = new Dictionary<string, long>(StringComparer.Ordinal);
        var ids = await _links.ReserveAsync(run, rows.Count, ct);
        var records = new List<T>(rows.Count);
        var sources = new List<ImportRow>(rows.Count);
        // Sized for the batch: grown step by step, its arrays pass 85 kB and each step is a large-object allocation,
        // which counts towards a full collection.
        var firstLine = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var promised = toCreate.Count;
            try
            {
                if (row.Text(KeyField) is { } key && !firstLine.TryAdd(key, row.Line))
                    throw new RowRejected(run.Column(KeyField), $"The id '{key}' appears again; it was first on line {firstLine[key]}.");
                long customer;
                if (_links.Known(row) is { } known) customer = known;
                else if (_links.Unknown(run, row) is { } reference && Park(run, row, reference.Kind, reference.Value))
                {
                    run.UnknownCustomers++;
                    continue;
                }
                else customer = _links.Resolve(run, row, toCreate, ids);
                records.Add(Build(run, row, customer));
                sources.Add(row);
            }
            catch (RowRejected e)
            {
                // A customer promised for this row alone is not created.
                if (toCreate.Count > promised && row.Text("customerExternalId") is { } ext) toCreate.Remove(ext);
                run.Reject(row, e.Column, e.Message);
            }
        }
        await _links.CreateAsync(run, toCreate, ct);
        await StoreParkedAsync(run, ct);
        var skipped = await new BulkInsert<T>(run.Db).InsertNewAsync(records, KeyColumn, ct);
        var earlier = skipped.Count == 0 ? [] : await StoredByThisJobAsync(run, skipped.Select(i => sources[i].Text(KeyField)!).ToList(), ct);
        var left = new HashSet<int>(skipped);
        foreach (var i in skipped)
        {
            var row = sources[i];
            if (earlier.Contains(row.Text(KeyField)!))
                run.Reject(row, run.Column(KeyField), $"The id '{row.Text(KeyField)}' appears again; it was first on an earlier line of this file.");
            else run.Job.Unchanged++;
        }
        for (var i = 0; i < sources.Count; i++)
        {
            if (left.Contains(i)) continue;
            run.Job.Created++;
            if (sources[i].Flagged) run.Job.Flagged++;
        }
    }

    /// <summary>Keeps a row whose customer does not exist yet, to store when it appears; false when this kind of row cannot wait.</summary>
    protected virtual bool Park(ImportRun run, ImportRow row, string kind, string value) => false;

    /// <summary>Stores the rows <see cref="Park"/> kept in this batch.</summary>
    protected virtual Task StoreParkedAsync(ImportRun run, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// Which of these ids an earlier batch of this job stored: the row naming one again repeats a line of the same file
    /// (a resumed job's committed batches are earlier lines too), where any other stored id was there before the import.
    /// </summary>
    private async Task<HashSet<string>> StoredByThisJobAsync(ImportRun run, List<string> keys, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var table = new BulkInsert<T>(run.Db).Table;
        foreach (var chunk in keys.Chunk(500))
        {
            var names = string.Join(", ", chunk.Select((_, i) => Sql.P(run.Db, i + 1)));
            await Sql.ReadAsync(run.Db, $"SELECT {KeyColumn} FROM {table} WHERE import_job_id = {Sql.P(run.Db, 0)} AND {KeyColumn} IN ({names})",
                r => found.Add(r.GetString(0)), ct, [run.Job.Id, .. chunk]);
        }
        return found;
    }

    protected static long Micros(decimal value) => (long)decimal.Round(value * Purchase.MicrosPerUnit, MidpointRounding.AwayFromZero);
}

internal sealed class PurchaseSink : LinkedSink<Purchase>
{
    public override IReadOnlyList<string[]> RequiredFieldSets { get; } = [["customerExternalId", "customerEmail"], ["orderedAt"], ["amount", "unitPrice"]];
    protected override string KeyField => "orderId";
    protected override string KeyColumn => "order_id";

    protected override Purchase Build(ImportRun run, ImportRow row, long customerId)
    {
        var quantity = row.Decimal("quantity") ?? 1m;
        var unit = row.Decimal("unitPrice");
        var amount = row.Decimal("amount") ?? (unit is { } u ? u * quantity : throw new RowRejected(run.Column("amount"), "The row has neither an amount nor a unit price."));
        if (Math.Abs(amount) >= 9_000_000_000_000m) throw new RowRejected(run.Column("amount"), $"The amount {amount.ToString(CultureInfo.InvariantCulture)} is too large.");
        return new Purchase
        {
            OrderId = row.Text("orderId"), CustomerId = customerId,
            OrderedAt = row.Instant("orderedAt") ?? throw new RowRejected(run.Column("orderedAt"), "The order time is missing."),
            Product = row.Text("product") ?? "", Category = row.Text("category"), Quantity = (double)quantity,
            UnitPriceMicros = unit is { } p ? Micros(p) : null, AmountMicros = Micros(amount),
            Currency = row.Text("currency")?.ToUpperInvariant(), ImportJobId = run.Job.Id, CreatedAt = run.Now,
        };
    }
}

internal sealed class CommunicationSink : LinkedSink<Communication>
{
    public override IReadOnlyList<string[]> RequiredFieldSets { get; } = [["customerExternalId", "customerEmail"], ["occurredAt"]];
    protected override string KeyField => "communicationId";
    protected override string KeyColumn => "external_id";

    protected override Communication Build(ImportRun run, ImportRow row, long customerId) => new()
    {
        ExternalId = row.Text("communicationId"), CustomerId = customerId,
        Channel = (row.Text("channel") ?? "other").ToLowerInvariant(),
        Direction = row.Text("direction") is { } d ? Enum.Parse<Direction>(d, ignoreCase: true) : null,
        OccurredAt = row.Instant("occurredAt") ?? throw new RowRejected(run.Column("occurredAt"), "The time is missing."),
        DurationSeconds = row.Long("durationSeconds") is { } s ? (int)Math.Clamp(s, 0, int.MaxValue) : null,
        Subject = row.Text("subject"), Content = row.Text("content"), Outcome = row.Text("outcome")?.ToLowerInvariant(),
        ImportJobId = run.Job.Id, CreatedAt = run.Now, CreatedByKind = ActorKind.Import, CreatedByUserId = run.Actor.UserId,
    };
}

/// <summary>
/// Behaviour events. A row naming a customer that does not exist is not refused but parked in pending_events (unless
/// the import creates missing customers), and moves onto the customer when it is created.
/// </summary>
internal sealed class EventSink : LinkedSink<BehaviorEvent>
{
    private readonly List<PendingEvent> _parked = [];

    /// <summary>The key of each type text met: a file holds few, so each is worked out once, not per row (up to a thousand).</summary>
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    public override IReadOnlyList<string[]> RequiredFieldSets { get; } = [["customerExternalId", "customerEmail"], ["type"], ["occurredAt"]];
    protected override string KeyField => "eventId";
    protected override string KeyColumn => "event_id";

    // The API's rules for an event's id and time hold for a file's rows too, so that importing the file again counts
    // nothing twice and no event sits in the future. Its type is stored as its key, like the API's.
    protected override BehaviorEvent Build(ImportRun run, ImportRow row, long customerId)
    {
        var text = row.Text("type") ?? throw new RowRejected(run.Column("type"), "The event type is missing.");
        // Stored as its key, as the API's (ADR-0053): "Page View" as page_view, 浏览 as it is.
        if (!_keys.TryGetValue(text, out var type))
        {
            type = Behavior.EventTypes.Normalize(text) ?? throw new RowRejected(run.Column("type"), Behavior.EventTypes.Explain(text));
            if (_keys.Count < 1000) _keys[text] = type;
        }
        var at = row.Instant("occurredAt") ?? throw new RowRejected(run.Column("occurredAt"), "The time is missing.");
        if (at < DateTime.UnixEpoch)
            throw new RowRejected(run.Column("occurredAt"), $"The time {Show(at)} is before 1970.");
        if (at > IngestEvents.Latest(run.Now))
            throw new RowRejected(run.Column("occurredAt"), $"The time {Show(at)} is more than a day in the future.");
        return new BehaviorEvent { EventId = row.Text("eventId"), CustomerId = customerId, Type = type, OccurredAt = at, Page = row.Text("page"), ImportJobId = run.Job.Id };

        static string Show(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    protected override bool Park(ImportRun run, ImportRow row, string kind, string value)
    {
        var e = Build(run, row, 0);
        _parked.Add(new PendingEvent
        {
            EventId = e.EventId, ReferenceKind = kind, ReferenceValue = value, Type = e.Type, OccurredAt = e.OccurredAt, Page = e.Page,
            Source = "import", ReceivedAt = run.Now, ImportJobId = run.Job.Id,
        });
        return true;
    }

    protected override async Task StoreParkedAsync(ImportRun run, CancellationToken ct)
    {
        if (_parked.Count == 0) return;
        var (pending, unchanged) = await IngestEvents.ParkAsync(run.Db, _parked, ct);
        run.PendingEvents += pending;
        run.Job.Unchanged += unchanged;
        run.Job.Created += _parked.Count - pending - unchanged;
        _parked.Clear();
    }
}
