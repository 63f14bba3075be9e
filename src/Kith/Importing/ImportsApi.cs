using System.Globalization;
using Kith.Core.Exporting;
using Kith.Core.Importing;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Importing.Files;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Importing;

/// <summary>A job as the API shows it: what, how far, and the counts so far.</summary>
public sealed record ImportJobView(long Id, string Kind, string Status, string FileName, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt,
    double Progress, long RowsRead, long Created, long Updated, long Unchanged, long Merged, long Flagged, long Skipped, long Rejected, string? Error)
{
    public static ImportJobView Of(ImportJob j) => new(j.Id, Name(j.Kind), Name(j.Status), j.FileName, j.CreatedAt, j.StartedAt, j.FinishedAt,
        j.Status == ImportStatus.Completed ? 1 : j.FileBytes <= 0 ? 0 : Math.Clamp((double)j.ProcessedBytes / j.FileBytes, 0, 1),
        j.RowsRead, j.Created, j.Updated, j.Unchanged, j.Merged, j.Flagged, j.Skipped, j.Rejected, j.Error);

    public static string Name<T>(T value) where T : struct, Enum => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}

public sealed record ImportTemplateView(long Id, string Name, string Kind, IReadOnlyDictionary<string, string> Mapping);

public sealed record ImportTemplateInput(string Name, string Kind, Dictionary<string, string> Mapping);

/// <summary>
/// /api/v1/imports: send a file as the request body (CSV, TSV or XLSX; `curl --data-binary @file.csv`) with the
/// options as query parameters; the import runs as a job in the server and its report, refused rows, cancel and
/// revert hang off the job.
/// </summary>
internal static class ImportsApi
{
    /// <summary>The largest file an import takes through the API (the rest of the API keeps the server's 10 MB).</summary>
    public const long MaxUploadBytes = 4L << 30;

    public static RouteGroupBuilder MapImports(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/imports").WithTags("Imports");
        g.MapPost("/{kind}", StartAsync).WithName("StartImport")
            .WithSummary("Queues an import of the file in the body (customers, companies, purchases, communications or events); answers 202 with the job.");
        g.MapPost("/{kind}/preview", PreviewAsync).WithName("PreviewImport")
            .WithSummary("The mapping, sample rows and data-quality report of the file in the body; imports nothing.");
        g.MapGet("/", ListAsync).WithName("ListImports").WithSummary("Recent imports, newest first.");
        g.MapGet("/{id:long}", GetAsync).WithName("GetImport").WithSummary("One import job: status, progress and counts.");
        g.MapGet("/{id:long}/report", ReportAsync).WithName("ImportReport")
            .WithSummary("The report: created, updated, merged, flagged, rejected and every refused row's line, column and message.");
        g.MapGet("/{id:long}/rejected", RejectedAsync).WithName("ImportRejectedRows")
            .WithSummary("The refused rows as CSV (or ?format=xlsx) with an error column, to fix and import again.");
        g.MapPost("/{id:long}/cancel", CancelAsync).WithName("CancelImport").WithSummary("Stops a queued or running import; what it stored is reverted.");
        g.MapPost("/{id:long}/revert", RevertAsync).WithName("RevertImport").WithSummary("Undoes a completed import: removes what it created, restores what it changed.");
        var t = api.MapGroup("/import-templates").WithTags("Imports");
        t.MapGet("/", TemplatesAsync).WithName("ListImportTemplates").WithSummary("Saved column mappings.");
        t.MapPost("/", SaveTemplateAsync).WithName("SaveImportTemplate").WithSummary("Saves (or replaces) a column mapping under a name.");
        t.MapDelete("/{id:long}", DeleteTemplateAsync).WithName("DeleteImportTemplate").WithSummary("Deletes a saved mapping.");
        return api;
    }

    internal static ImportKind ParseKind(string kind) => kind.ToLowerInvariant() switch
    {
        "customers" => ImportKind.Customers,
        "companies" => ImportKind.Companies,
        "purchases" => ImportKind.Purchases,
        "communications" => ImportKind.Communications,
        "events" => ImportKind.Events,
        _ => throw RuleViolation.Field("kind", $"'{kind}' is not something Kith imports: use customers, companies, purchases, communications or events."),
    };

    /// <summary>Options from the query string: mode, onDuplicate, region, encoding, delimiter, template, matchBy, createMissingCustomers, ownerId, map=COL=FIELD (repeat), missing=FIELD=POLICY (repeat).</summary>
    internal static ImportOptions Options(IQueryCollection q)
    {
        var errors = new Dictionary<string, string[]>();
        T Enum<T>(string key, T fallback) where T : struct, Enum
        {
            if (q[key].FirstOrDefault() is not { Length: > 0 } text) return fallback;
            if (System.Enum.TryParse<T>(text.Replace("_", ""), ignoreCase: true, out var v) && System.Enum.IsDefined(v)) return v;
            errors[key] = [$"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}."];
            return fallback;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in q["map"].OfType<string>())
        {
            var eq = pair.LastIndexOf('=');
            if (eq <= 0) errors["map"] = [$"'{pair}' is not COLUMN=FIELD."];
            else map[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        var missing = new Dictionary<string, MissingValueRule>(StringComparer.Ordinal);
        foreach (var pair in q["missing"].OfType<string>())
        {
            var eq = pair.IndexOf('=');
            var policy = eq > 0 ? pair[(eq + 1)..].Trim() : "";
            MissingValueRule? rule = policy.ToLowerInvariant() switch
            {
                "reject" => new(MissingValuePolicy.Reject),
                "empty" => new(MissingValuePolicy.Empty),
                _ when policy.StartsWith("default:", StringComparison.OrdinalIgnoreCase) => new(MissingValuePolicy.Default, policy[8..]),
                _ => null,
            };
            if (eq <= 0 || rule is null) errors["missing"] = [$"'{pair}' is not FIELD=reject, FIELD=empty or FIELD=default:VALUE."];
            else missing[pair[..eq].Trim()] = rule;
        }
        char? delimiter = q["delimiter"].FirstOrDefault()?.ToLowerInvariant() switch
        {
            null or "" => null,
            "comma" or "," => ',',
            "semicolon" or ";" => ';',
            "tab" or "\t" => '\t',
            "pipe" or "|" => '|',
            var d => Fail("delimiter", $"'{d}' is not comma, semicolon, tab or pipe."),
        };
        char? Fail(string key, string message)
        {
            errors[key] = [message];
            return null;
        }
        long? owner = null;
        if (q["ownerId"].FirstOrDefault() is { Length: > 0 } o)
        {
            if (long.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) owner = id;
            else errors["ownerId"] = ["ownerId is a user id."];
        }
        var options = new ImportOptions
        {
            Mode = Enum("mode", ImportMode.Upsert), OnDuplicate = Enum("onDuplicate", DuplicateAction.Merge),
            Region = q["region"].FirstOrDefault() is { Length: > 0 } r ? r.ToUpperInvariant() : null,
            Encoding = q["encoding"].FirstOrDefault() is { Length: > 0 } e ? e : null, Delimiter = delimiter,
            Template = q["template"].FirstOrDefault() is { Length: > 0 } t ? t : null, Map = map, Missing = missing,
            MatchBy = ImportOptions.ParseMatchBy(q["matchBy"].FirstOrDefault()),
            CreateMissingCustomers = q["createMissingCustomers"].FirstOrDefault() is "true" or "1",
            OwnerId = owner,
        };
        if (errors.Count > 0) throw new RuleViolation("Some import options are not valid.", errors);
        options.Validate();
        return options;
    }

    private static void AllowLargeBody(HttpContext http)
    {
        // `curl -F file=@x.csv` sends a form: read as the file it would fail on its boundary line ("No column maps to name").
        // (Not any form type: plain `curl --data-binary` labels the file application/x-www-form-urlencoded.)
        if (http.Request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
            throw new RuleViolation("Send the file itself as the request body (curl --data-binary @FILE), not as a form upload (multipart/form-data).", status: 415);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxUploadBytes;
    }

    private static string FileName(HttpContext http, string kind) =>
        http.Request.Query["fileName"].FirstOrDefault() is { Length: > 0 } name ? name : $"{kind}.csv";

    private static async Task<Accepted<ImportJobView>> StartAsync(string kind, HttpContext http, Caller caller, StartImport start, ImportSignal signal, CancellationToken ct)
    {
        AllowLargeBody(http);
        var k = ParseKind(kind);
        var options = Options(http.Request.Query);
        ImportJob job;
        try
        {
            job = await start.HandleAsync(k, http.Request.Body, FileName(http, kind), options, await caller.ScopeAsync(ct), ActorKind.Api, ct, readable: true);
        }
        catch (Exception e) when (e is TabularFileException or MappingException)
        {
            throw BadFile(e);
        }
        signal.Poke();
        return TypedResults.Accepted($"/api/v1/imports/{job.Id}", ImportJobView.Of(job));
    }

    /// <summary>A file that cannot be read, or a mapping that cannot work, is the caller's to fix: a 400 saying what and where.</summary>
    /// (A <see cref="TabularFileException"/>'s message already says where: "line 3, column 2: …".)
    private static RuleViolation BadFile(Exception e) => RuleViolation.Field(e is TabularFileException ? "file" : "map", e.Message);

    private static async Task<Ok<ImportPreview>> PreviewAsync(string kind, HttpContext http, Caller caller, PreviewImport preview, DatabaseOptions database, CancellationToken ct)
    {
        AllowLargeBody(http);
        var k = ParseKind(kind);
        var options = Options(http.Request.Query);
        var scope = await caller.ScopeAsync(ct);
        var folder = Path.Combine(database.DataDirectory, "imports");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{Guid.NewGuid():N}.preview");
        try
        {
            await using (var file = File.Create(path))
                await http.Request.Body.CopyToAsync(file, ct);
            return TypedResults.Ok(await preview.HandleAsync(k, path, options, scope, ct));
        }
        catch (Exception e) when (e is TabularFileException or MappingException)
        {
            throw BadFile(e);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<Ok<IReadOnlyList<ImportJobView>>> ListAsync(Caller caller, ImportQueries queries, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<ImportJobView>>((await queries.ListAsync(await caller.ScopeAsync(ct), 100, ct)).Select(ImportJobView.Of).ToList());

    private static async Task<Ok<ImportJobView>> GetAsync(long id, Caller caller, ImportQueries queries, CancellationToken ct) =>
        TypedResults.Ok(ImportJobView.Of(await queries.GetAsync(await caller.ScopeAsync(ct), id, ct)));

    private static async Task<Ok<ImportReport>> ReportAsync(long id, string? maxErrors, Caller caller, ImportQueries queries, CancellationToken ct)
    {
        var max = 10_000;
        if (maxErrors is not null && (!int.TryParse(maxErrors, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 0 or > 1_000_000))
            throw RuleViolation.Field("maxErrors", "maxErrors is a whole number from 0 to 1,000,000.");
        return TypedResults.Ok(await queries.ReportAsync(await caller.ScopeAsync(ct), id, max, ct));
    }

    private static async Task RejectedAsync(long id, string? format, HttpContext http, Caller caller, ImportQueries queries, CancellationToken ct)
    {
        var f = format?.ToLowerInvariant() switch
        {
            null or "" or "csv" => ExportFormat.Csv,
            "xlsx" => ExportFormat.Xlsx,
            _ => throw RuleViolation.Field("format", "format is csv or xlsx."),
        };
        await ImportDownloads.WriteRejectedAsync(id, f, http, caller, queries, ct);
    }

    private static async Task<Ok<ImportJobView>> CancelAsync(long id, Caller caller, CancelImport cancel, CancellationToken ct) =>
        TypedResults.Ok(ImportJobView.Of(await cancel.HandleAsync(id, await caller.ScopeAsync(ct), ct)));

    private static async Task<Ok<ImportJobView>> RevertAsync(long id, Caller caller, RevertImport revert, CancellationToken ct) =>
        TypedResults.Ok(ImportJobView.Of(await revert.HandleAsync(id, await caller.ScopeAsync(ct), ct)));

    private static async Task<Ok<IReadOnlyList<ImportTemplateView>>> TemplatesAsync(string? kind, ImportTemplates templates, CancellationToken ct)
    {
        var k = kind is { Length: > 0 } ? ParseKind(kind) : (ImportKind?)null;
        return TypedResults.Ok<IReadOnlyList<ImportTemplateView>>((await templates.ListAsync(k, ct)).Select(View).ToList());
    }

    private static ImportTemplateView View(ImportTemplate t) => new(t.Id, t.Name, ImportJobView.Name(t.Kind),
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(t.Mapping) ?? []);

    private static async Task<Ok<ImportTemplateView>> SaveTemplateAsync(HttpContext http, Caller caller, ImportTemplates templates, CancellationToken ct)
    {
        var input = await Kith.Customers.RecordApi.ReadBodyAsync<ImportTemplateInput>(http.Request, ct);
        return TypedResults.Ok(View(await templates.SaveAsync(ParseKind(input.Kind ?? ""), input.Name, input.Mapping ?? [], await caller.ScopeAsync(ct), ct)));
    }

    private static async Task<NoContent> DeleteTemplateAsync(long id, Caller caller, ImportTemplates templates, CancellationToken ct)
    {
        await templates.DeleteAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }
}
