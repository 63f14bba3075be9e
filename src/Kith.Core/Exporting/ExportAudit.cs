namespace Kith.Core.Exporting;

/// <summary>What the audit trail says about an export: which list, filter and columns, and how many rows left Kith.</summary>
internal static class ExportAudit
{
    public static object Details(ExportRequest request, long rows) => new
    {
        request.Q, request.Filter, request.Sort, request.Columns, format = request.Format.ToString().ToLowerInvariant(), rows,
    };
}
