using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kith.Core.Companies;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Stores company rows: a row updates the company its kithId names (when this install's export wrote it; one of
/// another install is ignored and counted, as for customers, ADR-0052), else the company with its external id, else the one with its web domain, else the
/// one with its name (ignoring case and spacing); otherwise it creates a company. Companies are few next to
/// customers, so they are saved through the change tracker, with history, like an edit in the UI.
/// </summary>
internal sealed class CompanySink : IRowSink
{
    private readonly Dictionary<string, long> _byExternal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byDomain = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _blocked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _externalLine = new(StringComparer.Ordinal);
    private readonly HashSet<long> _touched = [];
    private readonly Dictionary<string, Tag> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _users = new(StringComparer.Ordinal);
    /// <summary>Live companies in reach, which a kithId may name.</summary>
    private readonly HashSet<long> _live = [];
    private readonly KithIdMatch _kithIds = new("company");

    public IReadOnlyList<string[]> RequiredFieldSets { get; } = [["name"]];

    public async Task PrepareAsync(ImportRun run, CancellationToken ct)
    {
        var owners = run.Scope.OwnerIds;
        foreach (var c in await run.Db.Companies.AsNoTracking().Select(c => new { c.Id, c.ExternalId, c.Domain, c.Name, c.OwnerId, c.DeletedAt }).ToListAsync(ct))
        {
            var live = c.DeletedAt is null && (owners is null || owners.Contains(c.OwnerId));
            if (c.ExternalId is not null)
            {
                if (live) _byExternal[c.ExternalId] = c.Id;
                else _blocked.Add(c.ExternalId);
            }
            if (!live) continue;
            _live.Add(c.Id);
            if (c.Domain is not null) _byDomain.TryAdd(c.Domain, c.Id);
            _byName.TryAdd(ImportLookups.Key(c.Name), c.Id);
        }
        foreach (var t in await run.Db.Tags.AsNoTracking().ToListAsync(ct)) _tags[t.NormalizedName] = t;
        await _kithIds.PrepareAsync(run.Db, ct);
        foreach (var u in await run.Db.Users.AsNoTracking().Where(u => !u.IsDisabled).Select(u => new { u.Id, u.Email }).ToListAsync(ct))
            _users[u.Email.ToLowerInvariant()] = u.Id;
        var jobId = run.Job.Id;
        foreach (var id in await run.Db.ImportChanges.Where(c => c.ImportJobId == jobId && c.EntityType == ChangeLog.CompanyEntity).Select(c => c.EntityId).ToListAsync(ct))
            _touched.Add(id);
    }

    public string? CommittedField(ImportRun run) => KithIdMatch.CommittedField(run);

    public void RememberCommitted(int line, string cell) => _kithIds.RememberCommitted(line, cell, _live.Contains);

    public async Task WriteAsync(ImportRun run, IReadOnlyList<ImportRow> rows, CancellationToken ct)
    {
        var db = run.Db;
        var history = new ChangeLog(db);
        var ids = rows.SelectMany(r => Candidates(r)).Distinct().ToList();
        var stored = await db.Companies.Include(c => c.Tags).Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var created = new List<Company>();
        var pending = new Dictionary<string, Company>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            try
            {
                var ext = row.Text("externalId");
                if (ext is not null && _externalLine.TryGetValue(ext, out var first))
                    throw new RowRejected(run.Column("externalId"), $"The external id '{ext}' appears again; it was first on line {first}.");
                if (ext is not null && _blocked.Contains(ext))
                    throw new RowRejected(run.Column("externalId"), $"Another company has the external id '{ext}' (deleted, or outside your reach).");
                var domain = Domain(run, row);
                var name = row.Text("name") is { } n ? ImportLookups.Key(n) : null;
                Company? target = null;
                long id;
                if (_kithIds.Target(run, row, _live.Contains) is { } kid)
                {
                    target = Find(kid, stored, created);
                    KithIdMatch.EnsureSameExternalId(run, row, "company", target?.ExternalId, ext);
                    if (ext is not null && _byExternal.TryGetValue(ext, out id) && id != kid) throw KithIdMatch.ExternalIdOfAnother(run, row, "company", ext);
                }
                else if (ext is not null && _byExternal.TryGetValue(ext, out id)) target = Find(id, stored, created);
                target ??= Same(ext, domain is not null && _byDomain.TryGetValue(domain, out id) ? Find(id, stored, created) : null)
                           ?? Same(ext, name is not null && _byName.TryGetValue(name, out id) ? Find(id, stored, created) : null)
                           ?? (ext is not null ? pending.GetValueOrDefault("e:" + ext) : null)
                           ?? Same(ext, domain is not null ? pending.GetValueOrDefault("d:" + domain) : null)
                           ?? Same(ext, name is not null ? pending.GetValueOrDefault("n:" + name) : null);
                if (ext is not null) _externalLine[ext] = row.Line;
                if (target is null)
                {
                    if (run.Options.Mode == ImportMode.Update) throw new RowRejected(run.Column("name"), "No stored company matches this row (mode update).");
                    var company = new Company { OwnerId = run.OwnerId, ImportJobId = run.Job.Id };
                    await ApplyAsync(run, company, row, domain, ct);
                    company.StampCreated(run.Actor, run.Now);
                    db.Companies.Add(company);
                    created.Add(company);
                    if (company.ExternalId is not null) pending.TryAdd("e:" + company.ExternalId, company);
                    if (company.Domain is not null) pending.TryAdd("d:" + company.Domain, company);
                    pending.TryAdd("n:" + ImportLookups.Key(company.Name), company);
                    run.Job.Created++;
                    continue;
                }
                if (run.Options.Mode == ImportMode.Create) throw new RowRejected(run.Column("name"), "This row matches a stored company (mode create).");
                if (created.Contains(target))
                {
                    await ApplyAsync(run, target, row, domain, ct);
                    run.Job.Merged++;
                    continue;
                }
                var before = CompanyWriter.Snapshot(target);
                var state = CompanyImportState.Capture(target);
                await ApplyAsync(run, target, row, domain, ct);
                var after = CompanyWriter.Snapshot(target);
                if (before.Count == after.Count && before.All(kv => after.TryGetValue(kv.Key, out var v) && v == kv.Value))
                {
                    run.Job.Unchanged++;
                    continue;
                }
                if (_touched.Add(target.Id))
                    db.ImportChanges.Add(new ImportChange { ImportJobId = run.Job.Id, EntityType = ChangeLog.CompanyEntity, EntityId = target.Id, Action = ImportChangeAction.Updated, Before = state });
                history.Updated(ChangeLog.CompanyEntity, target.Id, before, after, run.Actor, run.Now);
                target.StampUpdated(run.Actor, run.Now);
                target.Version++;
                run.Job.Updated++;
            }
            catch (RowRejected e)
            {
                run.Reject(row, e.Column, e.Message);
            }
        }
        await db.SaveChangesAsync(ct);
        foreach (var c in created)
        {
            if (c.ExternalId is not null) _byExternal[c.ExternalId] = c.Id;
            if (c.Domain is not null) _byDomain.TryAdd(c.Domain, c.Id);
            _byName.TryAdd(ImportLookups.Key(c.Name), c.Id);
        }
    }

    private IEnumerable<long> Candidates(ImportRow row)
    {
        if (_kithIds.Own(row) is { } own) yield return own;
        if (row.Text("externalId") is { } e && _byExternal.TryGetValue(e, out var a)) yield return a;
        if (row.Text("name") is { } n && _byName.TryGetValue(ImportLookups.Key(n), out var b)) yield return b;
        if (row.Text("domain") is { } d)
        {
            string? key = null;
            try { key = CompanyWriter.NormalizeDomain(d); } catch (RuleViolation) { }
            if (key is not null && _byDomain.TryGetValue(key, out var c)) yield return c;
        }
    }

    /// <summary>A company found by domain or name that has another external id than the row is another company.</summary>
    private static Company? Same(string? ext, Company? found) =>
        found is not null && ext is not null && found.ExternalId is not null && found.ExternalId != ext ? null : found;

    private static Company? Find(long id, Dictionary<long, Company> stored, List<Company> created) =>
        stored.GetValueOrDefault(id) ?? created.FirstOrDefault(c => c.Id == id);

    private static string? Domain(ImportRun run, ImportRow row)
    {
        if (row.Text("domain") is not { } d) return null;
        try
        {
            return CompanyWriter.NormalizeDomain(d);
        }
        catch (RuleViolation e)
        {
            throw new RowRejected(run.Column("domain"), e.Message);
        }
    }

    /// <summary>Sets the row's non-empty values. What can refuse the row is checked first, so a refused row leaves a stored company as it was.</summary>
    private async Task ApplyAsync(ImportRun run, Company c, ImportRow row, string? domain, CancellationToken ct)
    {
        long? ownerId = null;
        if (row.Text("owner") is { } owner)
        {
            ownerId = _users.TryGetValue(owner.ToLowerInvariant(), out var u) ? u : throw new RowRejected(run.Column("owner"), $"There is no active user with the email '{owner}'.");
            if (ownerId != (c.Id == 0 ? run.OwnerId : c.OwnerId) && !run.Scope.Policy.CanAssign)
                throw new RowRejected(run.Column("owner"), "Your role may not assign records to another owner.");
        }
        if (row.Text("name") is not { Length: > 0 } && c.Name.Length == 0) throw new RowRejected(run.Column("name"), "A company needs a name.");
        if (row.Text("name") is { Length: > 0 } name) c.Name = name;
        c.ExternalId = row.Text("externalId") ?? c.ExternalId;
        c.Domain = domain ?? c.Domain;
        c.Industry = row.Text("industry") ?? c.Industry;
        c.Email = row.Text("email") ?? c.Email;
        if (row.Text("phone") is { } phone)
        {
            c.Phone = phone;
            c.PhoneIsValid = !row.Has(ImportRow.PhoneKeptAsTyped);
        }
        c.Website = row.Text("website") ?? c.Website;
        c.City = row.Text("city") ?? c.City;
        c.Address = row.Text("address") ?? c.Address;
        if (row.Long("employees") is { } employees) c.Employees = (int)Math.Clamp(employees, 0, int.MaxValue);
        if (ownerId is { } newOwner) c.OwnerId = newOwner;
        if (row.List("tags") is { Length: > 0 } tags)
        {
            foreach (var t in tags)
            {
                var key = TagSet.Normalize(t);
                if (!_tags.TryGetValue(key, out var tag))
                {
                    tag = new Tag { Name = t.Trim(), NormalizedName = key };
                    run.Db.Tags.Add(tag);
                    await run.Db.SaveChangesAsync(ct);
                    _tags[key] = tag;
                }
                if (c.Tags.All(x => x.Id != tag.Id))
                {
                    var tracked = run.Db.Tags.Local.FirstOrDefault(x => x.Id == tag.Id);
                    if (tracked is null)
                    {
                        tracked = new Tag { Id = tag.Id, Name = tag.Name, NormalizedName = tag.NormalizedName };
                        run.Db.Tags.Attach(tracked);
                    }
                    c.Tags.Add(tracked);
                }
            }
        }
        var custom = row.Values.Where(v => v.Key.StartsWith("customFields.", StringComparison.Ordinal) && v.Value is not null).ToList();
        if (custom.Count > 0)
        {
            var obj = JsonNode.Parse(c.CustomFields) as JsonObject ?? [];
            foreach (var (key, value) in custom)
                obj[key["customFields.".Length..]] = value switch
                {
                    string s => JsonValue.Create(s),
                    long l => JsonValue.Create(l),
                    decimal d => JsonValue.Create(d),
                    DateOnly d => JsonValue.Create(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
                };
            c.CustomFields = obj.ToJsonString();
        }
        c.SearchText = SearchGrams.Text(c.Name, c.Domain, c.Email, SearchGrams.PhoneDigits(c.Phone));
        c.SearchGrams = SearchGrams.Tokens(c.SearchText);
    }
}

/// <summary>The stored state of a company as JSON, to restore it exactly when an import is reverted.</summary>
internal static class CompanyImportState
{
    public sealed record State(string Name, string? ExternalId, string? Domain, string? Industry, string? Email, string? Phone, bool PhoneIsValid,
        string? Website, string? City, string? Address, int? Employees, long OwnerId, string CustomFields, long[] TagIds);

    public static string Capture(Company c) => JsonSerializer.Serialize(new State(c.Name, c.ExternalId, c.Domain, c.Industry, c.Email, c.Phone,
        c.PhoneIsValid, c.Website, c.City, c.Address, c.Employees, c.OwnerId, c.CustomFields, c.Tags.Select(t => t.Id).Order().ToArray()));

    public static void Restore(Company c, string json, IReadOnlyDictionary<long, Tag> tags)
    {
        var s = JsonSerializer.Deserialize<State>(json)!;
        c.Name = s.Name; c.ExternalId = s.ExternalId; c.Domain = s.Domain; c.Industry = s.Industry; c.Email = s.Email; c.Phone = s.Phone;
        c.PhoneIsValid = s.PhoneIsValid; c.Website = s.Website; c.City = s.City; c.Address = s.Address; c.Employees = s.Employees;
        c.OwnerId = s.OwnerId; c.CustomFields = s.CustomFields;
        c.Tags.RemoveAll(t => !s.TagIds.Contains(t.Id));
        foreach (var id in s.TagIds.Where(id => c.Tags.All(t => t.Id != id)))
            if (tags.TryGetValue(id, out var tag)) c.Tags.Add(tag);
        c.SearchText = SearchGrams.Text(c.Name, c.Domain, c.Email, SearchGrams.PhoneDigits(c.Phone));
        c.SearchGrams = SearchGrams.Tokens(c.SearchText);
    }

    public static long[] TagIds(string json) => JsonSerializer.Deserialize<State>(json)!.TagIds;
}
