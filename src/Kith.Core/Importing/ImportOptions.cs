using System.Text.Json;
using System.Text.Json.Serialization;
using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>create: only new records (a row matching a stored one is rejected); update: only stored ones; upsert: both.</summary>
public enum ImportMode { Upsert, Create, Update }

/// <summary>
/// What a row that is the same person as another record does. merge: an exact duplicate merges into the record it
/// matches (a fuzzy one is imported and flagged); flag: every row becomes its own record and the pairs are listed;
/// skip: an exact duplicate is left out (and counted), a fuzzy one is imported and flagged.
/// </summary>
public enum DuplicateAction { Merge, Flag, Skip }

/// <summary>What to do when a field is empty: refuse the row, store nothing, or store a default value.</summary>
public enum MissingValuePolicy { Reject, Empty, Default }

public sealed record MissingValueRule(MissingValuePolicy Policy, string? Default = null);

/// <summary>Everything a user can say about one import. Stored on the job as JSON, so a resumed job runs the same way.</summary>
public sealed record ImportOptions
{
    public ImportMode Mode { get; init; } = ImportMode.Upsert;
    public DuplicateAction OnDuplicate { get; init; } = DuplicateAction.Merge;
    /// <summary>Region for phone numbers written without a country code (and for the order of day and month in dates); null = the workspace's default.</summary>
    public string? Region { get; init; }
    public string? Encoding { get; init; }
    public char? Delimiter { get; init; }
    /// <summary>Column name to field key; "-" ignores the column. Applied over the automatic mapping.</summary>
    public Dictionary<string, string> Map { get; init; } = [];
    /// <summary>A saved mapping template to apply before <see cref="Map"/>.</summary>
    public string? Template { get; init; }
    /// <summary>Per field key; fields not named use Reject when required, else Empty.</summary>
    public Dictionary<string, MissingValueRule> Missing { get; init; } = [];
    /// <summary>
    /// How rows find the stored record they describe. Customers and companies only. kithId and externalId name one
    /// record and, when listed, are tried first, in that order; email and phone (customers) follow in the order listed.
    /// </summary>
    public List<string> MatchBy { get; init; } = [.. DefaultMatchBy];
    /// <summary>Purchases, communications and events whose customer is unknown create that customer (named by its external id) instead of being rejected.</summary>
    public bool CreateMissingCustomers { get; init; }
    /// <summary>Owner of the records the import creates; null = the user who runs it.</summary>
    public long? OwnerId { get; init; }

    public static readonly string[] MatchKeys = ["kithId", "externalId", "email", "phone"];
    public static readonly string[] DefaultMatchBy = MatchKeys;

    /// <summary>A --match-by or matchBy= value: keys separated by commas; null or empty gives the default.</summary>
    public static List<string> ParseMatchBy(string? value) =>
        value is { Length: > 0 } m ? m.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList() : [.. DefaultMatchBy];

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static ImportOptions FromJson(string json) => JsonSerializer.Deserialize<ImportOptions>(json, s_json) ?? new ImportOptions();

    /// <summary>Refuses options that cannot work, naming the option.</summary>
    public void Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (MatchBy.Count == 0 || MatchBy.Any(m => !MatchKeys.Contains(m)) || MatchBy.Distinct().Count() != MatchBy.Count)
            errors["matchBy"] = [$"matchBy lists distinct keys among {string.Join(", ", MatchKeys)}."];
        if (Region is { } r && !PhoneNumbers.PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(r.ToUpperInvariant()))
            errors["region"] = [$"'{r}' is not a region code such as CN, US or GB."];
        if (Delimiter is { } d && d is not (',' or ';' or '\t' or '|'))
            errors["delimiter"] = ["The delimiter is one of , ; tab |."];
        foreach (var (field, rule) in Missing)
            if (rule.Policy == MissingValuePolicy.Default && string.IsNullOrEmpty(rule.Default))
                errors["missing." + field] = [$"The policy 'default' for {field} needs a default value."];
        if (errors.Count > 0) throw new RuleViolation("Some import options are not valid.", errors);
    }
}
