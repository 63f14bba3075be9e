using Kith.Core.Cases;
using MudBlazor;

namespace Kith.Cases;

/// <summary>The English labels (keys of the localizer) and colours of case statuses and priorities.</summary>
internal static class CaseTexts
{
    public static string Status(CaseStatus status) => status switch
    {
        CaseStatus.Open => "Open",
        CaseStatus.Pending => "Pending",
        CaseStatus.Resolved => "Resolved",
        _ => "Closed",
    };

    public static string Priority(CasePriority priority) => priority switch
    {
        CasePriority.Low => "Low",
        CasePriority.High => "High",
        CasePriority.Urgent => "Urgent",
        _ => "Normal",
    };

    public static Color StatusColor(CaseStatus status) => status switch
    {
        CaseStatus.Open => Color.Primary,
        CaseStatus.Pending => Color.Warning,
        CaseStatus.Resolved => Color.Success,
        _ => Color.Default,
    };

    public static Color PriorityColor(CasePriority priority) => priority switch
    {
        CasePriority.Urgent => Color.Error,
        CasePriority.High => Color.Warning,
        _ => Color.Default,
    };

    /// <summary>The labels of the fields a case's history names.</summary>
    public static readonly IReadOnlyDictionary<string, string> FieldLabels = new Dictionary<string, string>
    {
        ["subject"] = "Subject",
        ["customerId"] = "Customer",
        ["companyId"] = "Company",
        ["status"] = "Status",
        ["priority"] = "Priority",
        ["assigneeId"] = "Assignee",
    };
}
