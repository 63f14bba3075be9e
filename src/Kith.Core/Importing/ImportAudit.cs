using Kith.Core.Audit;

namespace Kith.Core.Importing;

/// <summary>What the audit trail says about an import: one entry per job when it ends, with its file and counts.</summary>
internal static class ImportAudit
{
    public static AuditWho Who(ImportJob job) => new(job.CreatedByKind, job.CreatedByUserId);

    public static object Details(ImportJob job) => new
    {
        job.FileName, kind = job.Kind, status = job.Status, job.Error, job.RowsRead, job.Created, job.Updated, job.Merged,
        job.Flagged, job.Unchanged, job.Skipped, job.Rejected,
    };
}
