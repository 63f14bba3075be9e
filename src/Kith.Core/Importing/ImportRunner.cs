using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Kith.Core.Audit;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Importing.Files;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kith.Core.Importing;

/// <summary>How far a running import is, for a progress bar.</summary>
public sealed record ImportProgress(long JobId, long BytesDone, long BytesTotal, long RowsRead, long Created, long Updated, long Merged,
    long Rejected, string Phase)
{
    public double Fraction => BytesTotal <= 0 ? 0 : Math.Clamp((double)BytesDone / BytesTotal, 0, 1);
}

/// <summary>
/// Runs one import job: reads the file as a stream, maps and cleans rows in parallel batches, and stores each batch
/// in its own transaction together with the job's progress, so a crash loses at most the batch in flight and the job
/// resumes after its last committed line. A failure or a cancellation reverts what the job stored: an import either
/// completes or changes nothing.
/// </summary>
public sealed class ImportRunner(KithDb db, TimeProvider clock, Privacy.ErasedPeople? erased = null)
{
    public const int BatchSize = 5_000;

    /// <summary>Rows a transaction holds, in whole batches, when rows linked to a customer go in in bulk mode (ADR-0045).</summary>
    internal const int RowsPerBulkCommit = 50_000;

    /// <summary>
    /// Builds again what an import set aside and never built because its process died (a folder import between its
    /// customers and the end of its summary, ADR-0040). The server does it before each queued job; the command line,
    /// which has no server, before each import it runs.
    /// </summary>
    public static Task RepairAsync(KithDb db, CancellationToken ct) => BulkMode.RepairAsync(db, ct);

    /// <summary>
    /// Indexes a bulk import leaves aside when it completes, for its caller to build later (<see cref="BulkMode.ExitAsync"/>):
    /// a folder import builds the customers' behaviour indexes once, after the summary is set (ADR-0040).
    /// </summary>
    internal Func<BulkMode.SavedObject, bool>? LeaveAside { get; set; }

    /// <param name="stopping">
    /// Cancelled when the process shuts down: the job is left running (its heartbeat goes stale) so that it resumes
    /// after its last committed batch on the next start, instead of being reverted like a cancelled one.
    /// </param>
    /// <param name="maxErrors">How many refused rows the returned report lists (all by default, as `--report` writes them).</param>
    public async Task<ImportReport> RunAsync(long jobId, IProgress<ImportProgress>? progress, CancellationToken ct, CancellationToken stopping = default,
        int maxErrors = int.MaxValue)
    {
        var job = await db.ImportJobs.FirstOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFound("Import");
        if (job.IsFinished) return await ImportQueries.ReportOfAsync(db, job, maxErrors, ct);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        try
        {
            await RunJobAsync(job, progress, both.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            db.ChangeTracker.Clear();
            throw;
        }
        catch (Exception e) when (e is OperationCanceledException || IsUserError(e))
        {
            var cancelled = e is OperationCanceledException;
            await StopAsync(job, cancelled ? ImportStatus.Cancelled : ImportStatus.Failed,
                cancelled ? "The import was cancelled; nothing it read was kept." : e.Message);
        }
        catch (Exception e)
        {
            await StopAsync(job, ImportStatus.Failed, "The import failed and nothing it read was kept: " + e.Message);
            throw;
        }
        finally
        {
            DeleteStoredFile(job);
        }
        return await ImportQueries.ReportOfAsync(db, job, maxErrors, CancellationToken.None);
    }

    private static bool IsUserError(Exception e) => e is TabularFileException or MappingException or RuleViolation or Forbidden;

    private async Task RunJobAsync(ImportJob job, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        // Resuming reads on after the last committed line: only sound in the very file those lines came from.
        if (job.LastCommittedLine > 0 && StartImport.ChangedSinceQueued(job) is { } changed) throw new RuleViolation(changed);
        var options = ImportOptions.FromJson(job.Options);
        var scope = await AccessScope.ForUserAsync(db, job.CreatedByUserId ?? 0, ct)
                    ?? throw new RuleViolation("The user who started this import no longer exists or is disabled.");
        scope.EnsureCanCreate();
        var region = (options.Region ?? await new WorkspaceSettings(db).DefaultPhoneRegionAsync(ct)).ToUpperInvariant();

        using var file = TabularFile.Open(job.StoredPath, new TabularOptions { Encoding = options.Encoding, Delimiter = options.Delimiter });
        var mapping = await MapAsync(db, job.Kind, file.Header, options, scope.Fields, ct);
        // Checked again when the job runs: the role's rules may have changed since it was queued.
        ImportFieldAccess.EnsureWritable(scope.Fields, job.Kind, mapping, options);
        var cleaner = new RowCleaner(mapping, new ValueCleaner(region, region == "US" ? ["CN"] : ["US"]), options.Missing);
        var sink = SinkFor(job.Kind);
        // A file without a column the import needs fails before any row is read, instead of refusing every row.
        var missing = MissingColumns(sink, mapping, options);
        if (missing.Count > 0) throw new MappingException(string.Join(" ", missing));
        var run = new ImportRun
        {
            Db = db, Job = job, Options = options, Actor = new Actor(ActorKind.Import, job.CreatedByUserId, $"import #{job.Id}"),
            Scope = scope, OwnerId = options.OwnerId ?? scope.UserId, Clock = clock, ErasedPeople = erased,
            ColumnOf = mapping.Fields.Where(f => mapping.ColumnOf(f.Key) is not null).ToDictionary(f => f.Key, f => mapping.ColumnOf(f.Key)!),
        };
        if (options.OwnerId is { } owner && owner != scope.UserId && !scope.Policy.CanAssign)
            throw new Forbidden("Your role may not assign records to another owner.");

        var resumeAfter = job.LastCommittedLine;
        // What the batches committed before a crash counted; this run adds its own counts to them.
        var earlier = resumeAfter > 0 ? JsonSerializer.Deserialize<ImportSummary>(job.Summary, ImportReport.Json) : null;
        var summary = new ImportSummary
        {
            Format = file.Format.ToString().ToLowerInvariant(), Encoding = file.EncodingName, Delimiter = Delimiters.Describe(file.Delimiter),
            Columns = mapping.ToMappedColumns(), Cleaning = earlier?.Cleaning ?? new Dictionary<string, IReadOnlyDictionary<string, long>>(),
            UnknownCustomers = earlier?.UnknownCustomers ?? 0, CustomersCreated = earlier?.CustomersCreated ?? 0,
            PendingEvents = earlier?.PendingEvents ?? 0, ForeignKithIds = earlier?.ForeignKithIds ?? 0,
        };
        job.Status = ImportStatus.Running;
        job.StartedAt ??= clock.GetUtcNow().UtcDateTime;
        job.HeartbeatAt = clock.GetUtcNow().UtcDateTime;
        job.FileBytes = file.Length;
        job.Summary = JsonSerializer.Serialize(summary, ImportReport.Json);
        await db.SaveChangesAsync(ct);
        // Rows linked to a customer enter bulk mode before their customers are loaded: from then on a customer removed
        // by someone else is seen (ADR-0042). The others load first: their load reads the table bulk mode strips.
        var linked = BulkMode.TablesOf(job.Kind) is { Length: > 0 } tables && tables.All(UncheckedCustomers.Links);
        if (!linked) await sink.PrepareAsync(run, ct);
        await using var bulk = await BulkMode.EnterAsync(db, job, ct);
        if (linked) await sink.PrepareAsync(run, ct);
        // Loading what the rows match against can take minutes at a million records: renew the heartbeat after it.
        job.HeartbeatAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        db.Attach(job);

        var stats = cleaner.CreateStats();
        var batches = Channel.CreateBounded<CleanBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A resumed job hands the sink what it needs from the lines committed before the stop (a kithId's first line).
        var committedColumn = resumeAfter > 0 && sink.CommittedField(run) is { } field ? mapping.IndexOf(field) : -1;
        var producer = Task.Run(() => Produce(file, cleaner, sink, resumeAfter, committedColumn, batches.Writer, stop.Token), stop.Token);
        // Rows linked to a customer in bulk mode commit several batches at once: the commits, with their saves of the job
        // and their checks for a cancellation, took 6.5 s of the writer's 45 s in a profile of the events at M (ADR-0045).
        // A crash still loses only what the last commit did not hold, and the job resumes after it.
        var rowsPerCommit = linked && bulk.Bulk ? RowsPerBulkCommit : BatchSize;
        IDbContextTransaction? tx = null;
        var uncommitted = 0;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(stop.Token))
            {
                if (tx is null)
                {
                    tx = await db.Database.BeginTransactionAsync(stop.Token);
                    // A batch is committed without waiting for its WAL to reach the disk on PostgreSQL: a crash loses at
                    // most the last batches, job progress included, and the job resumes after the last one kept. The
                    // job's completion is committed with the server's own setting, after every batch (ADR-0041).
                    if (db.Provider == DatabaseProvider.Postgres) await Sql.ExecAsync(db, "SET LOCAL synchronous_commit = off", stop.Token);
                    if (await db.ImportJobs.AsNoTracking().Where(j => j.Id == job.Id).Select(j => j.CancelRequested).FirstAsync(stop.Token))
                        throw new OperationCanceledException("Cancelled by a user.");
                }
                run.StartBatch();
                foreach (var (line, cells, reasons) in batch.Rejected) run.Reject(line, cells, reasons);
                await sink.WriteAsync(run, batch.Rows, stop.Token);
                db.ImportRejections.AddRange(run.Rejections);
                run.Rejections.Clear();
                stats.Add(batch.Stats);
                job.RowsRead += batch.Count;
                job.LastCommittedLine = batch.LastLine;
                job.ProcessedBytes = batch.Position;
                uncommitted += batch.Count;
                if (uncommitted < rowsPerCommit) continue;
                await CommitAsync(tx);
                tx = null;
                uncommitted = 0;
            }
            if (tx is not null) await CommitAsync(tx);
            tx = null;
            await producer;
        }
        catch
        {
            // The reader stops first: a rollback on a connection the server killed can throw too, and the reader must not
            // be left waiting for room in the channel.
            await stop.CancelAsync();
            if (tx is not null)
                try { await tx.DisposeAsync(); } catch { /* the first failure is the one reported */ }
            try { await producer; } catch { /* the first failure is the one reported */ }
            db.ChangeTracker.Clear();
            throw;
        }

        async Task CommitAsync(IDbContextTransaction open)
        {
            await using (open)
            {
                job.HeartbeatAt = clock.GetUtcNow().UtcDateTime;
                // The counts so far commit with the batches, so a resumed job reports the whole file.
                job.Summary = JsonSerializer.Serialize(Counted(summary, stats, run), ImportReport.Json);
                await db.SaveChangesAsync(stop.Token);
                await open.CommitAsync(stop.Token);
            }
            db.ChangeTracker.Clear();
            db.Attach(job);
            progress?.Report(Progress(job, "importing"));
        }

        progress?.Report(Progress(job, "indexing"));
        // Rebuilding the indexes a big import set aside is part of the import: it completes once they are back.
        job.HeartbeatAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None);
        await BulkMode.ExitAsync(db, job.Id, CancellationToken.None, LeaveAside);
        job.Status = ImportStatus.Completed;
        job.FinishedAt = clock.GetUtcNow().UtcDateTime;
        job.ProcessedBytes = job.FileBytes;
        job.Summary = JsonSerializer.Serialize(Counted(summary, stats, run), ImportReport.Json);
        db.Audit(AuditActions.Import, "import", job.Id, ImportAudit.Details(job), ImportAudit.Who(job));
        await db.SaveChangesAsync(CancellationToken.None);
        progress?.Report(Progress(job, "done"));
    }

    private static IRowSink SinkFor(ImportKind kind) => kind switch
    {
        ImportKind.Customers => new CustomerSink(),
        ImportKind.Companies => new CompanySink(),
        ImportKind.Purchases => new PurchaseSink(),
        ImportKind.Communications => new CommunicationSink(),
        ImportKind.Events => new EventSink(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Why a file mapped this way cannot be imported (no column, and no default, for a field the import needs); empty when it can.</summary>
    public static IReadOnlyList<string> MissingColumns(ImportKind kind, ColumnMapping mapping, ImportOptions options) =>
        MissingColumns(SinkFor(kind), mapping, options);

    private static List<string> MissingColumns(IRowSink sink, ColumnMapping mapping, ImportOptions options)
    {
        var missing = mapping.MissingRequired(options.Missing).ToList();
        foreach (var set in sink.RequiredFieldSets)
            if (!set.Any(f => mapping.IndexOf(f) >= 0 || options.Missing.GetValueOrDefault(f) is { Policy: MissingValuePolicy.Default })
                && !missing.Any(m => set.All(f => m.Contains(f, StringComparison.Ordinal))))
                missing.Add(set.Length == 1 ? $"No column maps to {set[0]}, which is required." : $"No column maps to {string.Join(" or ", set)}; one of them is required.");
        return missing;
    }

    /// <summary>The summary with this run's counts added to those of the batches committed before it started.</summary>
    private static ImportSummary Counted(ImportSummary start, CleaningStats stats, ImportRun run)
    {
        var cleaning = start.Cleaning.ToDictionary(f => f.Key, f => f.Value.ToDictionary(c => c.Key, c => c.Value));
        foreach (var (field, counts) in stats.ToSummary())
        {
            var total = cleaning.TryGetValue(field, out var t) ? t : cleaning[field] = [];
            foreach (var (rule, n) in counts) total[rule] = total.GetValueOrDefault(rule) + n;
        }
        return start with
        {
            Cleaning = cleaning.ToDictionary(f => f.Key, f => (IReadOnlyDictionary<string, long>)f.Value),
            UnknownCustomers = start.UnknownCustomers + run.UnknownCustomers, CustomersCreated = start.CustomersCreated + run.CustomersCreated,
            PendingEvents = start.PendingEvents + run.PendingEvents, ForeignKithIds = start.ForeignKithIds + run.ForeignKithIds,
        };
    }

    private static ImportProgress Progress(ImportJob job, string phase) =>
        new(job.Id, job.ProcessedBytes, job.FileBytes, job.RowsRead, job.Created, job.Updated, job.Merged, job.Rejected, phase);

    private sealed record CleanBatch(List<ImportRow> Rows, List<(int Line, string[] Cells, IReadOnlyList<(string, string)> Reasons)> Rejected,
        int Count, int LastLine, long Position, CleaningStats Stats);

    /// <summary>Reads and cleans batches on another thread (cleaning in parallel within a batch) while the database writes.</summary>
    /// <remarks>
    /// The cells of <paramref name="committedColumn"/> on the lines a resumed job skips reach the sink here, on this
    /// thread, before the first batch is handed to the writer (the channel orders them).
    /// </remarks>
    private static async Task Produce(TabularFile file, RowCleaner cleaner, IRowSink sink, int resumeAfter, int committedColumn,
        ChannelWriter<CleanBatch> writer, CancellationToken ct)
    {
        try
        {
            var raw = new List<TabularRow>(BatchSize);
            foreach (var row in file.ReadRows(ct))
            {
                if (row.Line <= resumeAfter)
                {
                    if (committedColumn >= 0 && committedColumn < row.Cells.Length) sink.RememberCommitted(row.Line, row.Cells[committedColumn]);
                    continue;
                }
                raw.Add(Fit(file, row));
                if (raw.Count == BatchSize)
                {
                    await writer.WriteAsync(Clean(raw, cleaner, sink, file.Position), ct);
                    raw = new List<TabularRow>(BatchSize);
                }
            }
            if (raw.Count > 0) await writer.WriteAsync(Clean(raw, cleaner, sink, file.Position), ct);
            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
        }
    }

    /// <summary>
    /// A sheet row as wide as the header: a spreadsheet leaves out the empty cells at the end of a row, which in a
    /// text file would be a row missing its last fields.
    /// </summary>
    internal static TabularRow Fit(TabularFile file, TabularRow row) =>
        file.Format == TabularFormat.Xlsx && row.Cells.Length < file.Header.Count
            ? row with { Cells = [.. row.Cells, .. Enumerable.Repeat("", file.Header.Count - row.Cells.Length)] }
            : row;

    private static CleanBatch Clean(List<TabularRow> raw, RowCleaner cleaner, IRowSink sink, long position)
    {
        var cleaned = new CleanedRow[raw.Count];
        var ready = new ImportRow?[raw.Count];
        var stats = cleaner.CreateStats();
        var phone = cleaner.Ordinal("phone");
        var layout = new ImportRow.Layout(cleaner.Fields.Select(f => f.Key));
        // Cleaning, and whatever a sink can work out from one row alone, run on every core; storing runs in order.
        Parallel.For(0, raw.Count, cleaner.CreateStats,
            (i, _, local) =>
            {
                var c = cleaned[i] = cleaner.Clean(raw[i].Line, raw[i].Cells, local);
                if (c.Errors.Count == 0)
                {
                    var row = ready[i] = ToImportRow(layout, c, raw[i].Cells, phone);
                    sink.PrepareRow(row);
                }
                return local;
            },
            stats.Add);
        var rows = new List<ImportRow>(raw.Count);
        var rejected = new List<(int, string[], IReadOnlyList<(string, string)>)>();
        for (var i = 0; i < cleaned.Length; i++)
        {
            var c = cleaned[i];
            if (c.Errors.Count > 0) rejected.Add((c.Line, raw[i].Cells, c.Errors.Select(e => (e.Column, e.Message)).ToList()));
            else rows.Add(ready[i]!);
        }
        return new CleanBatch(rows, rejected, raw.Count, raw[^1].Line, position, stats);
    }

    private static ImportRow ToImportRow(ImportRow.Layout layout, CleanedRow row, string[] cells, int phone) =>
        new(row.Line, layout, row.Values, phone >= 0 && (row.Rules[phone] & CleaningRule.PhoneKeptAsTyped) != 0, row.Flags.Count > 0, cells);

    /// <summary>Every field of an import of <paramref name="kind"/>, custom fields included.</summary>
    internal static async Task<IReadOnlyList<ImportField>> FieldsAsync(KithDb db, ImportKind kind, CancellationToken ct)
    {
        var custom = new List<(string, string, string, IReadOnlyList<string>?)>();
        if (kind is ImportKind.Customers or ImportKind.Companies)
        {
            var entity = kind == ImportKind.Customers ? CustomFieldEntity.Customer : CustomFieldEntity.Company;
            foreach (var f in await db.CustomFields.AsNoTracking().Where(f => f.Entity == entity).ToListAsync(ct))
                custom.Add((f.Key, f.Label, f.Type.ToString(), CustomFieldDefinitions.ChoicesOf(f)));
        }
        return ImportFields.For(kind, custom);
    }

    /// <param name="access">
    /// The importer's field access: a field hidden from their role is not among the fields (null: every field), and an
    /// override or saved mapping onto a field the role may only read is refused.
    /// </param>
    public static async Task<ColumnMapping> MapAsync(KithDb db, ImportKind kind, IReadOnlyList<string> header, ImportOptions options, FieldAccess? access, CancellationToken ct)
    {
        var fields = ImportFieldAccess.Visible(access ?? FieldAccess.Open, kind, await FieldsAsync(db, kind, ct));
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.Template is { } name)
        {
            var template = await db.ImportTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Kind == kind && t.Name == name, ct)
                           ?? throw new MappingException($"There is no saved mapping named '{name}' for {kind.ToString().ToLowerInvariant()}.");
            foreach (var (column, field) in JsonSerializer.Deserialize<Dictionary<string, string>>(template.Mapping) ?? [])
                if (header.Contains(column)) overrides[column] = field;
        }
        foreach (var (column, field) in options.Map) overrides[column] = field;
        ImportFieldAccess.EnsureWritable(access ?? FieldAccess.Open, kind, fields, overrides);
        var oldRecordId = IgnoreExportedRecordIds(header, overrides);
        var mapping = ColumnMapper.Map(header, fields, overrides);
        return mapping with { NotImported = NotImported(kind, mapping, oldRecordId) };
    }

    /// <summary>
    /// Which columns of Kith's own export are left out and why, so the preview and the report say it: the values Kith
    /// works out (createdAt, visits, …), and the old exports' "id".
    /// </summary>
    private static Dictionary<int, string> NotImported(ImportKind kind, ColumnMapping mapping, bool oldRecordId)
    {
        var setByKith = kind switch
        {
            ImportKind.Customers => Exporting.ExportCustomers.SetByKith,
            ImportKind.Companies => Exporting.ExportCompanies.SetByKith,
            _ => [],
        };
        var names = setByKith.Select(HeaderNames.Normalize).ToHashSet(StringComparer.Ordinal);
        var reasons = new Dictionary<int, string>();
        for (var i = 0; i < mapping.Header.Count; i++)
        {
            if (mapping.Columns[i] is not null) continue;
            if (oldRecordId && mapping.Header[i] == "id") reasons[i] = MappedColumn.OldRecordId;
            else if (!mapping.IgnoredColumns.Contains(i) && names.Contains(HeaderNames.Normalize(mapping.Header[i]))) reasons[i] = MappedColumn.SetByKith;
        }
        return reasons;
    }

    /// <summary>
    /// Kith's exports before ADR-0052 wrote the record's own id as "id" beside "externalId", and "id" is also a synonym
    /// of externalId (other systems call their customer number that). In a file that has an "externalId" column, "id"
    /// is such an old record id, which carries no install mark (a file of another install would name other people):
    /// it is not imported, unless the mapping says otherwise, and the preview and report say why. Exports now write
    /// "kithId" instead, which matches. Without this, such a file would stop at "two columns map to externalId".
    /// </summary>
    private static bool IgnoreExportedRecordIds(IReadOnlyList<string> header, Dictionary<string, string> overrides)
    {
        if (!header.Contains("externalId") || header.Count(h => h == "id") != 1 || overrides.ContainsKey("id")) return false;
        overrides["id"] = "-";
        return true;
    }

    /// <summary>Ends a job that did not complete: reverts what its committed batches stored, in one transaction.</summary>
    private async Task StopAsync(ImportJob job, ImportStatus status, string message)
    {
        try
        {
            await StopOnceAsync(job, status, message);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // The import may have failed because its connection was lost (a PostgreSQL backend terminated, a server
            // restarted): the job must still end as failed, not stay running until its heartbeat goes stale. Once more,
            // on a connection opened afresh.
            await db.Database.GetDbConnection().CloseAsync();
            await StopOnceAsync(job, status, message);
        }
    }

    private async Task StopOnceAsync(ImportJob job, ImportStatus status, string message)
    {
        db.ChangeTracker.Clear();
        var error = message.Length > 2000 ? message[..2000] : message;
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await RevertImport.UndoAsync(db, job.Id, new Actor(ActorKind.Import, job.CreatedByUserId, $"import #{job.Id} stopped"), now, CancellationToken.None);
            await db.ImportRejections.Where(r => r.ImportJobId == job.Id).ExecuteDeleteAsync();
            // The undo clears the change tracker, so the job is written directly.
            await db.ImportJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, status).SetProperty(j => j.Error, error).SetProperty(j => j.FinishedAt, now)
                .SetProperty(j => j.Created, 0).SetProperty(j => j.Updated, 0).SetProperty(j => j.Merged, 0).SetProperty(j => j.Flagged, 0)
                .SetProperty(j => j.Unchanged, 0).SetProperty(j => j.Skipped, 0).SetProperty(j => j.Rejected, 0));
            await tx.CommitAsync();
        }
        await BulkMode.ExitAsync(db, job.Id, CancellationToken.None);
        db.ChangeTracker.Clear();
        job.Status = status;
        job.Error = error;
        job.FinishedAt = now;
        job.Created = job.Updated = job.Merged = job.Flagged = job.Unchanged = job.Skipped = job.Rejected = 0;
        await db.AuditNowAsync(AuditActions.Import, "import", job.Id, ImportAudit.Details(job), ImportAudit.Who(job));
    }

    private static void DeleteStoredFile(ImportJob job)
    {
        if (!job.IsFinished || string.IsNullOrEmpty(job.StoredPath)) return;
        try
        {
            if (File.Exists(job.StoredPath)) File.Delete(job.StoredPath);
        }
        catch (IOException)
        {
            // A copy left behind is removed with the data folder; the job's outcome does not depend on it.
        }
    }
}
