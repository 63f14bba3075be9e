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
