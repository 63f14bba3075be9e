using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

public enum ImportStatus { Queued, Running, Completed, Failed, Cancelled, Reverted }

/// <summary>
/// One import of one file: its options, progress, outcome and report. Every record it creates carries its id and
/// every record it changes is listed in <see cref="ImportChange"/>, so the import can be reverted. A job that was
/// running when the process died resumes after <see cref="LastCommittedLine"/> (batches commit together with it).
/// </summary>
public sealed class ImportJob
{
    public long Id { get; set; }
    public ImportKind Kind { get; set; }
    public ImportStatus Status { get; set; }
    /// <summary>The name the user gave the file (for display).</summary>
    public string FileName { get; set; } = "";
    /// <summary>Where Kith keeps its copy of the file while the job may still run (under the data folder).</summary>
    public string StoredPath { get; set; } = "";
    /// <summary>The <see cref="ImportOptions"/> as JSON.</summary>
    public string Options { get; set; } = "{}";
    public long FileBytes { get; set; }
    /// <summary>
    /// Size and last write time of the stored file when the job was queued. The CLI links the user's file instead of
    /// copying it, so the user could change it under a job; a job resumes only when both still agree.
    /// </summary>
    public long? StoredSize { get; set; }
    public DateTime? StoredModifiedAt { get; set; }
    public long ProcessedBytes { get; set; }
    public int LastCommittedLine { get; set; }
    public long RowsRead { get; set; }
    public long Created { get; set; }
    public long Updated { get; set; }
    public long Unchanged { get; set; }
    public long Merged { get; set; }
    public long Flagged { get; set; }
    public long Skipped { get; set; }
    public long Rejected { get; set; }
    /// <summary>The report's further parts (encoding, delimiter, mapping, cleaning counts) as JSON.</summary>
    public string Summary { get; set; } = "{}";
    /// <summary>Why the job failed, in words for the user.</summary>
    public string? Error { get; set; }
    public bool CancelRequested { get; set; }
    /// <summary>Renewed after every batch while the job runs; a running job whose heartbeat is stale was abandoned (the process died) and may be resumed.</summary>
    public DateTime? HeartbeatAt { get; set; }
    public long? CreatedByUserId { get; set; }
    public ActorKind CreatedByKind { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public DateTime? RevertedAt { get; set; }

    public bool IsFinished => Status is ImportStatus.Completed or ImportStatus.Failed or ImportStatus.Cancelled or ImportStatus.Reverted;
}

/// <summary>A row the import refused, with where and why, and its cells as read so they can be fixed and imported again.</summary>
public sealed class ImportRejection
{
    public long Id { get; set; }
    public long ImportJobId { get; set; }
    public int Line { get; set; }
    public string Column { get; set; } = "";
    public string Message { get; set; } = "";
    /// <summary>The row's cells as a JSON array of strings.</summary>
    public string Cells { get; set; } = "[]";
}

public enum ImportChangeAction { Updated, Merged }

/// <summary>A stored record an import changed, with its values before, so reverting the import restores them.</summary>
public sealed class ImportChange
{
    public long Id { get; set; }
    public long ImportJobId { get; set; }
    /// <summary>"customer" or "company".</summary>
    public string EntityType { get; set; } = "";
    public long EntityId { get; set; }
    public ImportChangeAction Action { get; set; }
    /// <summary>The record as it was before the import touched it, as JSON (null when it only gained a merge).</summary>
    public string? Before { get; set; }
}

/// <summary>A column mapping saved under a name, to reuse for files of the same shape.</summary>
public sealed class ImportTemplate
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public ImportKind Kind { get; set; }
    /// <summary>Column name to field key, as a JSON object; "-" ignores the column.</summary>
    public string Mapping { get; set; } = "{}";
    public long? CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
}
