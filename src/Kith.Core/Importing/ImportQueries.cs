using System.Text.Json;
using Kith.Core.Exporting;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>Reads of import jobs. A user sees the imports they started; admins and managers see all.</summary>
public sealed class ImportQueries(KithDb db)
{
    private const int RejectedPage = 5000;

    internal static async Task<ImportJob> FindAsync(KithDb db, AccessScope scope, long id, CancellationToken ct)
    {
        var job = await db.ImportJobs.FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null || !CanSee(scope, job)) throw new NotFound("Import");
        return job;
    }

    private static bool CanSee(AccessScope scope, ImportJob job) =>
        scope.Role is Role.Admin or Role.Manager || job.CreatedByUserId == scope.UserId;

    public async Task<IReadOnlyList<ImportJob>> ListAsync(AccessScope scope, int limit, CancellationToken ct)
    {
        var q = db.ImportJobs.AsNoTracking();
        if (scope.Role is not (Role.Admin or Role.Manager)) q = q.Where(j => j.CreatedByUserId == scope.UserId);
        return await q.OrderByDescending(j => j.Id).Take(Math.Clamp(limit, 1, 200)).ToListAsync(ct);
    }

    public async Task<ImportJob> GetAsync(AccessScope scope, long id, CancellationToken ct)
    {
        var job = await FindAsync(db, scope, id, ct);
        db.Entry(job).State = EntityState.Detached;
        return job;
    }

    /// <summary>The report of a job: its counts and, up to <paramref name="maxErrors"/>, the refused rows' errors in line order.</summary>
    public async Task<ImportReport> ReportAsync(AccessScope scope, long id, int maxErrors, CancellationToken ct)
    {
        var job = await GetAsync(scope, id, ct);
        return await ImportFieldAccess.ForAsync(db, await ReportOfAsync(db, job, maxErrors, ct), scope.Fields, job.Kind, ct);
    }

    internal static async Task<ImportReport> ReportOfAsync(KithDb db, ImportJob job, int maxErrors, CancellationToken ct)
    {
        var errors = await db.ImportRejections.AsNoTracking().Where(r => r.ImportJobId == job.Id)
            .OrderBy(r => r.Line).ThenBy(r => r.Id).Take(maxErrors)
            .Select(r => new ImportError(r.Line, r.Column, r.Message)).ToListAsync(ct);
        return new ImportReport
        {
            JobId = job.Id, Kind = JsonNamingPolicy.CamelCase.ConvertName(job.Kind.ToString()), Status = JsonNamingPolicy.CamelCase.ConvertName(job.Status.ToString()),
            Created = job.Created, Updated = job.Updated, Merged = job.Merged, Flagged = job.Flagged, Rejected = job.Rejected,
            Unchanged = job.Unchanged, Skipped = job.Skipped, RowsRead = job.RowsRead, Error = job.Error, Errors = errors,
            Summary = JsonSerializer.Deserialize<ImportSummary>(job.Summary, ImportReport.Json),
        };
    }

    /// <summary>
    /// The refused rows as a file to fix and import again: the original header and cells, plus an "error" column
    /// with every reason for the row ("column: message; …"). Cells of columns holding a field hidden from the reader's
    /// role are blank, and their reasons leave the value out.
    /// </summary>
    public async Task<long> WriteRejectedAsync(AccessScope scope, long id, Stream output, ExportFormat format, CancellationToken ct)
    {
        var job = await GetAsync(scope, id, ct);
        var summary = JsonSerializer.Deserialize<ImportSummary>(job.Summary, ImportReport.Json);
        var header = (summary?.Columns ?? []).Select(c => c.Column).ToList();
        var hidden = await ImportFieldAccess.HiddenColumnsAsync(db, scope.Fields, job.Kind, summary?.Columns, ct);
        var hiddenNames = ImportFieldAccess.HiddenNames(summary?.Columns, hidden);
        using var writer = TableWriter.Create(output, format);
        writer.WriteHeader([.. header, "error", "line"]);
        long rows = 0;
        var lastLine = 0;
        while (true)
        {
            // In line order, a page at a time; a page ends on a whole line, so a row's reasons stay on one row.
            var page = await db.ImportRejections.AsNoTracking().Where(r => r.ImportJobId == id && r.Line > lastLine)
                .OrderBy(r => r.Line).ThenBy(r => r.Id).Take(RejectedPage).ToListAsync(ct);
            if (page.Count == 0) break;
            var lines = page.GroupBy(r => r.Line).ToList();
            if (page.Count == RejectedPage && lines.Count > 1) lines.RemoveAt(lines.Count - 1);
            foreach (var line in lines)
            {
                var cells = ImportFieldAccess.Blank(JsonSerializer.Deserialize<string[]>(line.First().Cells) ?? [], hidden);
                var padded = Enumerable.Range(0, header.Count).Select(i => i < cells.Length ? cells[i] : "").ToList();
                padded.Add(string.Join("; ", line.Select(r => ImportFieldAccess.Shown(new ImportError(r.Line, r.Column, r.Message), hiddenNames)).Select(e => $"{e.Column}: {e.Message}")));
                padded.Add(line.Key.ToString(System.Globalization.CultureInfo.InvariantCulture));
                writer.WriteRow(padded);
                rows++;
            }
            lastLine = lines[^1].Key;
        }
        writer.Complete();
        return rows;
    }
}
