using Kith.Core.Audit;
using Kith.Core.Cases;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Exporting;

/// <summary>
/// Exports the case list as the service desk sees it: the same filter (statuses, priorities, assignee, customer,
/// breached, subject words or #number), newest first, only cases on customers in the caller's reach, because the rows
/// come from <see cref="CaseQueries.ListAsync"/> itself, page by page. The columns are the list's, with the ids and
/// times a spreadsheet needs. Returns the number of rows written.
/// </summary>
public sealed class ExportCases(CaseQueries queries, KithDb db)
{
    public static readonly IReadOnlyList<string> Columns =
        ["number", "subject", "customerId", "customer", "status", "priority", "assigneeId", "assignee", "dueAt", "breached", "firstRespondedAt", "createdAt", "updatedAt"];

    public async Task<long> HandleAsync(AccessScope scope, CaseFilter filter, ExportFormat format, bool bom, Stream output, CancellationToken ct)
    {
        // The first page is read before a byte is written, so a mistake is still a plain 400.
        var page = await queries.ListAsync(scope, filter, null, CaseQueries.MaxLimit, ct);
        await using (var writer = TableWriter.Create(output, format, bom))
        {
            await writer.WriteHeaderAsync(Columns, ct);
            while (true)
            {
                foreach (var c in page.Items) await writer.WriteRowAsync(Row(c), ct);
                if (page.NextCursor is null) break;
                page = await queries.ListAsync(scope, filter, page.NextCursor, CaseQueries.MaxLimit, ct);
            }
            await writer.CompleteAsync(ct);
            await db.AuditNowAsync(AuditActions.Export, "cases", details: new
            {
                filter.Statuses, filter.Priorities, filter.AssigneeId, filter.Unassigned, filter.CustomerId, filter.Breached, filter.Query,
                format = format.ToString().ToLowerInvariant(), rows = writer.Rows,
            }, ct: ct);
            return writer.Rows;
        }
    }

    private static string?[] Row(CaseListItem c) =>
    [
        ExportCells.Number(c.Number), c.Subject, ExportCells.Number(c.CustomerId), c.CustomerName, ExportCells.Enum<CaseStatus>(c.Status),
        ExportCells.Enum<CasePriority>(c.Priority), ExportCells.Number(c.AssigneeId), c.AssigneeName, ExportCells.Instant(c.DueAt),
        c.Breached ? "true" : "false", c.FirstRespondedAt is { } at ? ExportCells.Instant(at) : null,
        ExportCells.Instant(c.CreatedAt), ExportCells.Instant(c.UpdatedAt),
    ];
}
