using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>The state one running import shares with the part that stores its kind of rows.</summary>
internal sealed class ImportRun
{
    public required KithDb Db { get; init; }
    public required ImportJob Job { get; init; }
    public required ImportOptions Options { get; init; }
    public required Actor Actor { get; init; }
    /// <summary>The reach of the user who runs the import: rows only ever match and change records in it.</summary>
    public required Identity.AccessScope Scope { get; init; }
    /// <summary>Owner of created records.</summary>
    public required long OwnerId { get; init; }
    /// <summary>Field key to the header name mapped to it, for messages that name a column.</summary>
    public required IReadOnlyDictionary<string, string> ColumnOf { get; init; }
    public required TimeProvider Clock { get; init; }
    /// <summary>Fingerprints of erased people, so a row naming one is refused or flagged; null when the caller has no key.</summary>
    public Privacy.ErasedPeople? ErasedPeople { get; init; }
    public List<ImportRejection> Rejections { get; } = [];
    public long UnknownCustomers { get; set; }
    public long CustomersCreated { get; set; }
    public long PendingEvents { get; set; }
    /// <summary>Rows whose kithId came from another Kith install: matched by their other keys instead.</summary>
    public long ForeignKithIds { get; set; }

    /// <summary>The time of the batch being stored (every row of a batch is stored at once), else the clock's.</summary>
    public DateTime Now => _batchStarted ?? Clock.GetUtcNow().UtcDateTime;

    private DateTime? _batchStarted;

    /// <summary>
    /// Fixes <see cref="Now"/> for the batch about to be stored: read per row, the clock cost as much as building
    /// a purchase (ADR-0028).
    /// </summary>
    public void StartBatch() => _batchStarted = Clock.GetUtcNow().UtcDateTime;

    public string Column(string field) => ColumnOf.TryGetValue(field, out var c) ? c : field;

    public void Reject(ImportRow row, string column, string message) => Reject(row.Line, row.Cells, [(column, message)]);

    /// <summary>Refuses one row for one or more reasons (each listed in the report); the row counts once.</summary>
    public void Reject(int line, string[] cells, IReadOnlyList<(string Column, string Message)> reasons)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(cells);
        foreach (var (column, message) in reasons)
            Rejections.Add(new ImportRejection
            {
                ImportJobId = Job.Id, Line = line, Column = Clip(column, 200), Message = Clip(message, 1000), Cells = json,
            });
        Job.Rejected++;
    }

    private static string Clip(string s, int max) => s.Length > max ? s[..max] : s;
}

/// <summary>Stores one kind of row. One instance per run; <see cref="PrepareAsync"/> once, then a batch at a time inside a transaction.</summary>
internal interface IRowSink
{
    /// <summary>Fields the file must map (or give a default for), besides those the cleaner requires.</summary>
    IReadOnlyList<string[]> RequiredFieldSets { get; }
    Task PrepareAsync(ImportRun run, CancellationToken ct);
    /// <summary>Work on one row that needs no other row and no database; runs in parallel, before <see cref="WriteAsync"/>.</summary>
    void PrepareRow(ImportRow row) { }
    /// <summary>
    /// The field whose cells a resumed job hands to <see cref="RememberCommitted"/> for the lines its earlier run
    /// committed (null: none), so that checks across lines hold across the stop as in one run.
    /// </summary>
    string? CommittedField(ImportRun run) => null;
    /// <summary>A cell of <see cref="CommittedField"/> on a line committed before the job resumed; called in file order, before the first batch is written.</summary>
    void RememberCommitted(int line, string cell) { }
    Task WriteAsync(ImportRun run, IReadOnlyList<ImportRow> rows, CancellationToken ct);
}
