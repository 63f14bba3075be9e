using System.Globalization;
using Kith.Core.Importing;
using MudBlazor;

namespace Kith.Importing;

/// <summary>
/// The words the import screens show for kinds, statuses, fields and cleaning rules. Each is an English text the
/// pages pass through the localizer (Importing.zh-Hans.json has the Chinese).
/// </summary>
public static class ImportTexts
{
    public static readonly ImportKind[] Kinds = Enum.GetValues<ImportKind>();

    public static string Kind(ImportKind kind) => kind switch
    {
        ImportKind.Customers => "Customers",
        ImportKind.Companies => "Companies",
        ImportKind.Purchases => "Purchases",
        ImportKind.Communications => "Communications",
        _ => "Behaviour events",
    };

    /// <summary>The kind as the API names it (customers, companies, …), for the list of jobs.</summary>
    public static string Kind(string apiName) =>
        Enum.TryParse<ImportKind>(apiName, ignoreCase: true, out var kind) ? Kind(kind) : apiName;

    public static string KindHelp(ImportKind kind) => kind switch
    {
        ImportKind.Customers => "People: name, email, phone, city, company, tags…",
        ImportKind.Companies => "Organisations: name, domain, industry, city…",
        ImportKind.Purchases => "Orders, linked to customers by their external id or email.",
        ImportKind.Communications => "Calls, emails and messages, linked to customers.",
        _ => "What customers did (page views, sign-ins…), linked to customers.",
    };

    /// <summary>Purchases, communications and events name a customer rather than being one.</summary>
    public static bool IsLinked(ImportKind kind) => kind is ImportKind.Purchases or ImportKind.Communications or ImportKind.Events;

    public static string Status(ImportStatus status) => status switch
    {
        ImportStatus.Queued => "Queued",
        ImportStatus.Running => "Running",
        ImportStatus.Completed => "Completed",
        ImportStatus.Failed => "Failed",
        ImportStatus.Cancelled => "Cancelled",
        _ => "Reverted",
    };

    public static Color StatusColor(ImportStatus status) => status switch
    {
        ImportStatus.Queued => Color.Default,
        ImportStatus.Running => Color.Info,
        ImportStatus.Completed => Color.Success,
        ImportStatus.Failed => Color.Error,
        ImportStatus.Cancelled => Color.Warning,
        _ => Color.Secondary,
    };

    /// <summary>How far a job is, 0 to 1: bytes of the file read so far.</summary>
    public static double Progress(ImportJob job) =>
        job.Status is ImportStatus.Completed or ImportStatus.Reverted ? 1
        : job.FileBytes <= 0 ? 0
        : Math.Clamp((double)job.ProcessedBytes / job.FileBytes, 0, 1);

    /// <summary>A field's name for people; the key (also the exporter's header) is shown beside it.</summary>
    public static string Field(string key) => key switch
    {
        "kithId" => "Kith id",
        "externalId" => "External id",
        "name" => "Name",
        "email" => "Email",
        "phone" => "Phone",
        "age" => "Age",
        "birthDate" => "Birth date",
        "gender" => "Gender",
        "city" => "City",
        "address" => "Address",
        "company" => "Company",
        "stage" => "Stage",
        "source" => "Source",
        "signupDate" => "Signup date",
        "tags" => "Tags",
        "owner" => "Owner",
        "domain" => "Domain",
        "industry" => "Industry",
        "website" => "Website",
        "employees" => "Employees",
        "orderId" => "Order id",
        "customerExternalId" => "Customer's external id",
        "customerEmail" => "Customer's email",
        "orderedAt" => "Ordered at",
        "product" => "Product",
        "category" => "Category",
        "quantity" => "Quantity",
        "unitPrice" => "Unit price",
        "amount" => "Amount",
        "currency" => "Currency",
        "communicationId" => "Communication id",
        "channel" => "Channel",
        "direction" => "Direction",
        "occurredAt" => "When it happened",
        "durationSeconds" => "Duration (seconds)",
        "subject" => "Subject",
        "content" => "Content",
        "outcome" => "Outcome",
        "eventId" => "Event id",
        "type" => "Type",
        "page" => "Page",
        _ when key.StartsWith("customFields.", StringComparison.Ordinal) => "Custom field",
        _ => key,
    };

    /// <summary>"Email · email": what the mapping select shows for a field.</summary>
    /// <summary>Why a column of Kith's own export is not imported (<see cref="MappedColumn.NotImported"/>).</summary>
    public static string NotImported(string reason) => reason switch
    {
        MappedColumn.SetByKith => "Set by Kith: not imported.",
        MappedColumn.OldRecordId => "Record id of an older Kith export: not imported. Export again to get kithId, which updates the record.",
        _ => reason,
    };

    public static string FieldOption(string key, Microsoft.Extensions.Localization.IStringLocalizer l) =>
        key.StartsWith("customFields.", StringComparison.Ordinal) ? $"{l["Custom field"]} · {key["customFields.".Length..]}" : $"{l[Field(key)]} · {key}";

    public static string Mode(ImportMode mode) => mode switch
    {
        ImportMode.Create => "Create new records only",
        ImportMode.Update => "Update existing records only",
        _ => "Create new and update existing",
    };

    public static string Duplicate(DuplicateAction action) => action switch
    {
        DuplicateAction.Flag => "Keep every row and flag the pairs",
        DuplicateAction.Skip => "Leave exact duplicates out",
        _ => "Merge exact duplicates, flag likely ones",
    };

    /// <summary>A cleaning count is an outcome that cost a value or a row, shown in the warning colour.</summary>
    public static bool IsLoss(string rule) => rule.StartsWith("missing (row", StringComparison.Ordinal) || rule.StartsWith("not valid", StringComparison.Ordinal);

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>"Read as CSV, UTF-8, separated by comma." or "Read as XLSX." for the preview and the result.</summary>
    public static string HowRead(string? format, string? encoding, string? delimiter, Microsoft.Extensions.Localization.IStringLocalizer l) =>
        format is null ? ""
        : format == "xlsx" ? l["Read as an Excel workbook (XLSX)."]
        : l["Read as {0}, {1}, separated by {2}.", format.ToUpperInvariant(), encoding ?? "", l[delimiter ?? ""]];

    /// <summary>A cell as the preview shows it: a cell may hold a million characters.</summary>
    public static string Clip(string? text, int max) =>
        text is null ? "" : text.Length <= max ? text : text[..max] + "…";

    public static string N(long n) => n.ToString("N0", CultureInfo.CurrentCulture);
}
