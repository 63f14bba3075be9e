using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kith.Core.Importing;

/// <summary>One refused row: its line in the file (the header is line 1), the column and why.</summary>
public sealed record ImportError(int Line, string Column, string Message);

/// <summary>
/// The outcome of an import, in the shape `kith import --report FILE.json` writes:
/// { "created", "updated", "merged", "flagged", "rejected", "errors": [{ "line", "column", "message" }] } plus the
/// further counts and what was detected (encoding, delimiter, the mapping, the cleaning rules applied).
/// </summary>
public sealed record ImportReport
{
    public long JobId { get; init; }
    public string Kind { get; init; } = "";
    public string Status { get; init; } = "";
    public long Created { get; init; }
    public long Updated { get; init; }
    public long Merged { get; init; }
    public long Flagged { get; init; }
    public long Rejected { get; init; }
    public long Unchanged { get; init; }
    public long Skipped { get; init; }
    public long RowsRead { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<ImportError> Errors { get; init; } = [];
    public ImportSummary? Summary { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

/// <summary>What the import saw and did besides counting rows: stored on the job as JSON.</summary>
public sealed record ImportSummary
{
    public string? Format { get; init; }
    public string? Encoding { get; init; }
    public string? Delimiter { get; init; }
    /// <summary>Header column to field key (null when the column is ignored).</summary>
    public IReadOnlyList<MappedColumn> Columns { get; init; } = [];
    /// <summary>Per field, how many values each cleaning rule touched, e.g. email: { "lower-cased": 812 }.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Cleaning { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, long>>();
    /// <summary>Rows whose customer was not found (purchases, communications, events).</summary>
    public long UnknownCustomers { get; init; }
    /// <summary>Customers created because a linked row named one that did not exist (when asked to).</summary>
    public long CustomersCreated { get; init; }
    /// <summary>Events kept in pending_events because their customer does not exist yet; they attach when it is created.</summary>
    public long PendingEvents { get; init; }
    /// <summary>Customer or company rows whose kithId was written by another Kith install: matched by their other keys instead (ADR-0052).</summary>
    public long ForeignKithIds { get; init; }
}

public sealed record MappedColumn(string Column, string? Field)
{
    /// <summary>Why a column Kith's own export writes is not imported: <see cref="SetByKith"/> or <see cref="OldRecordId"/>; null otherwise.</summary>
    public string? NotImported { get; init; }

    /// <summary>A column Kith works out itself (createdAt, updatedAt, the behaviour summary): an export writes it, an import never reads it.</summary>
    public const string SetByKith = "setByKith";

    /// <summary>"id" beside "externalId": the record id of an export made before kithId (ADR-0052), which carries no install mark.</summary>
    public const string OldRecordId = "oldRecordId";

    /// <summary>The reason for people (the CLI; the UI says it in the user's language).</summary>
    public static string Describe(string reason) => reason switch
    {
        SetByKith => "set by Kith, not imported",
        OldRecordId => "record id of an older Kith export, not imported; export again for kithId",
        _ => reason,
    };
}
