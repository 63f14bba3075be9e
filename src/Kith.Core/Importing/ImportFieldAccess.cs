using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>
/// Field-level security for imports, through the user's <see cref="FieldAccess"/>. A field hidden from the importer's
/// role is no field of their import: a column named after it is not imported, and mapping a column to it gets the
/// answer for a field that does not exist. And a column that holds a hidden field (mapped to it, or named after it)
/// shows the reader no values in the preview, the report, the refused rows or the personal-data export: its cells are
/// blank and the reasons given for it leave the value out.
/// </summary>
public static class ImportFieldAccess
{
    /// <summary>What a refusal of a hidden column says instead of its message, which quotes the value.</summary>
    public const string HiddenReason = "The value was refused.";

    /// <summary>Whether <paramref name="field"/> (an import field key) of an import of <paramref name="kind"/> is hidden from the role.</summary>
    public static bool IsHidden(FieldAccess fields, ImportKind kind, string? field) => field is not null && kind switch
    {
        ImportKind.Customers => fields.IsHidden(CustomFieldEntity.Customer, field),
        ImportKind.Companies => fields.IsHidden(CustomFieldEntity.Company, field),
        // Purchases, communications and events name their customer by email or external id.
        _ => field switch
        {
            "customerEmail" => fields.IsHidden(CustomFieldEntity.Customer, "email"),
            "customerExternalId" => fields.IsHidden(CustomFieldEntity.Customer, "externalId"),
            _ => false,
        },
    };

    /// <summary>
    /// Whether <paramref name="field"/> (an import field key) is one the role may read but not change. Purchases,
    /// communications and events only read their customer's email or external id to find them, which a read-only
    /// field allows.
    /// </summary>
    public static bool IsReadOnly(FieldAccess fields, ImportKind kind, string? field) => field is not null && !IsHidden(fields, kind, field) && kind switch
    {
        ImportKind.Customers => fields.IsReadOnly(CustomFieldEntity.Customer, field),
        ImportKind.Companies => fields.IsReadOnly(CustomFieldEntity.Company, field),
        _ => false,
    };

    /// <summary>The columns the mapping puts on a field the role may read but not change (by its name, a template or an override).</summary>
    public static IReadOnlyList<MappedColumn> ReadOnlyColumns(FieldAccess fields, ImportKind kind, ColumnMapping mapping) =>
        fields.IsOpen ? [] : mapping.ToMappedColumns().Where(c => IsReadOnly(fields, kind, c.Field)).ToList();

    /// <summary>
    /// The mapping as the import wizard offers it to a role with read-only fields: those fields are not offered, and
    /// columns named after them are not imported (<see cref="ReadOnlyColumns"/> lists them, so the wizard can say why).
    /// </summary>
    public static ColumnMapping Importable(FieldAccess fields, ImportKind kind, ColumnMapping mapping)
    {
        if (fields.IsOpen) return mapping;
        var columns = mapping.Columns.Select(f => IsReadOnly(fields, kind, f?.Key) ? null : f).ToArray();
        return new ColumnMapping(mapping.Header, columns) { Fields = mapping.Fields.Where(f => !IsReadOnly(fields, kind, f.Key)).ToList(), IgnoredColumns = mapping.IgnoredColumns, NotImported = mapping.NotImported };
    }

    /// <summary>
    /// An import may not write a field the importer's role may only read, as a PATCH may not: a column on it (named after
    /// it, or mapped to it), a default value for it, or customers created with an external id the role may not set
    /// refuse the whole import before any row is read, naming the field. Ignoring the column (<c>map=COLUMN=-</c>) imports the rest.
    /// </summary>
    public static void EnsureWritable(FieldAccess fields, ImportKind kind, ColumnMapping mapping, ImportOptions options)
    {
        if (fields.IsOpen) return;
        var errors = new Dictionary<string, string[]>();
        foreach (var c in ReadOnlyColumns(fields, kind, mapping))
            errors[c.Field!] = [$"Your role may read this field but not change it: ignore the column '{c.Column}' (map {c.Column}=-) to import the rest."];
        foreach (var (field, rule) in options.Missing)
            if (rule.Policy == MissingValuePolicy.Default && IsReadOnly(fields, kind, field))
                errors["missing." + field] = ["Your role may read this field but not change it, so an import cannot give it a default value."];
        if (options.CreateMissingCustomers && kind is not (ImportKind.Customers or ImportKind.Companies)
            && fields.IsReadOnly(CustomFieldEntity.Customer, "externalId") && !fields.IsHidden(CustomFieldEntity.Customer, "externalId"))
            errors["createMissingCustomers"] = ["Customers an import creates get the external id of their rows, which your role may not set."];
        if (errors.Count > 0) throw new RuleViolation($"Some fields cannot be set: {string.Join(", ", errors.Keys)}.", errors);
    }

    /// <summary>
    /// A mapping chosen on purpose (an override or a saved mapping) that puts a column on a field the role may only read
    /// is refused at once, naming the field, as a PATCH naming it is.
    /// </summary>
    internal static void EnsureWritable(FieldAccess fields, ImportKind kind, IReadOnlyList<ImportField> all, IReadOnlyDictionary<string, string> overrides)
    {
        if (fields.IsOpen) return;
        var errors = new Dictionary<string, string[]>();
        foreach (var (column, target) in overrides)
            if (ColumnMapper.Field(all, target) is { } field && IsReadOnly(fields, kind, field.Key))
                errors[field.Key] = [$"Your role may read this field but not change it: the column '{column}' cannot be imported into it."];
        if (errors.Count > 0) throw new RuleViolation($"Some fields cannot be set: {string.Join(", ", errors.Keys)}.", errors);
    }

    /// <summary>The import fields of <paramref name="kind"/> the role may see, and so import.</summary>
    internal static IReadOnlyList<ImportField> Visible(FieldAccess fields, ImportKind kind, IReadOnlyList<ImportField> all) =>
        fields.IsOpen ? all : all.Where(f => !IsHidden(fields, kind, f.Key)).ToList();

    /// <summary>
    /// The positions of the columns holding a field hidden from the reader: mapped to it, or left unmapped while named
    /// after it (the importer's role hid it, so the column was not imported, yet its cells are that field's values).
    /// </summary>
    public static async Task<IReadOnlySet<int>> HiddenColumnsAsync(KithDb db, FieldAccess fields, ImportKind kind, IReadOnlyList<MappedColumn>? columns, CancellationToken ct)
    {
        if (fields.IsOpen || columns is null || columns.Count == 0) return new HashSet<int>();
        var named = (await ImportRunner.FieldsAsync(db, kind, ct)).Where(f => IsHidden(fields, kind, f.Key))
            .SelectMany(f => f.Synonyms).Select(HeaderNames.Normalize).ToHashSet(StringComparer.Ordinal);
        return Enumerable.Range(0, columns.Count)
            .Where(i => IsHidden(fields, kind, columns[i].Field) || (columns[i].Field is null && named.Contains(HeaderNames.Normalize(columns[i].Column))))
            .ToHashSet();
    }

    /// <summary>A row's cells with those of hidden columns blank.</summary>
    public static string[] Blank(IReadOnlyList<string> cells, IReadOnlySet<int> hidden) =>
        cells.Select((cell, i) => hidden.Contains(i) ? "" : cell).ToArray();

    /// <summary>The header names of the hidden columns, as refusals name their column.</summary>
    public static IReadOnlySet<string> HiddenNames(IReadOnlyList<MappedColumn>? columns, IReadOnlySet<int> hidden) =>
        columns is null ? new HashSet<string>() : hidden.Select(i => columns[i].Column).ToHashSet(StringComparer.Ordinal);

    /// <summary>A refusal as the reader may see it: a hidden column's reason without the value it quotes.</summary>
    public static ImportError Shown(ImportError error, IReadOnlySet<string> hiddenNames) =>
        hiddenNames.Contains(error.Column) ? error with { Message = HiddenReason } : error;

    /// <summary>A report as the reader may see it: no values, cleaning counts or field names of hidden columns.</summary>
    public static async Task<ImportReport> ForAsync(KithDb db, ImportReport report, FieldAccess fields, ImportKind kind, CancellationToken ct)
    {
        if (report.Summary is not { } summary) return report;
        var hidden = await HiddenColumnsAsync(db, fields, kind, summary.Columns, ct);
        if (hidden.Count == 0) return report;
        var names = HiddenNames(summary.Columns, hidden);
        return report with
        {
            Errors = report.Errors.Select(e => Shown(e, names)).ToList(),
            Summary = summary with
            {
                Columns = summary.Columns.Select((c, i) => hidden.Contains(i) ? c with { Field = null } : c).ToList(),
                Cleaning = summary.Cleaning.Where(p => !IsHidden(fields, kind, p.Key)).ToDictionary(p => p.Key, p => p.Value),
            },
        };
    }
}
