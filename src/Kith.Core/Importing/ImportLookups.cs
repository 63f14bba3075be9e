using Kith.Core.Companies;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Names a customer row refers to, resolved to ids: companies by name (ignoring case and spacing), tags by name,
/// owners by email. Companies and tags a file names for the first time are created before the batch that needs them.
/// </summary>
internal sealed class ImportLookups
{
    private readonly Dictionary<string, long> _companies = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _companyNames = [];
    private readonly Dictionary<string, Tag> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _users = new(StringComparer.Ordinal);

    public static async Task<ImportLookups> LoadAsync(KithDb db, CancellationToken ct)
    {
        var l = new ImportLookups();
        foreach (var c in await db.Companies.AsNoTracking().Where(c => c.DeletedAt == null).Select(c => new { c.Id, c.Name }).ToListAsync(ct))
        {
            l._companies.TryAdd(Key(c.Name), c.Id);
            l._companyNames[c.Id] = c.Name;
        }
        foreach (var t in await db.Tags.AsNoTracking().ToListAsync(ct)) l._tags[t.NormalizedName] = t;
        foreach (var u in await db.Users.AsNoTracking().Where(u => !u.IsDisabled).Select(u => new { u.Id, u.Email }).ToListAsync(ct))
            l._users[u.Email.ToLowerInvariant()] = u.Id;
        return l;
    }

    public static string Key(string name) => string.Join(' ', name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    /// <summary>Creates the companies and tags the rows name that do not exist yet (saved at once, inside the batch's transaction).</summary>
    public async Task EnsureAsync(ImportRun run, IEnumerable<ImportRow> rows, CancellationToken ct)
    {
        var newCompanies = new Dictionary<string, Company>(StringComparer.Ordinal);
        var newTags = new Dictionary<string, Tag>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Text("company") is { } company && !_companies.ContainsKey(Key(company)) && !newCompanies.ContainsKey(Key(company)))
            {
                var c = new Company { Name = company, OwnerId = run.OwnerId, ImportJobId = run.Job.Id };
                c.SearchText = SearchGrams.Text(c.Name, null, null, null);
                c.SearchGrams = SearchGrams.Tokens(c.SearchText);
                c.StampCreated(run.Actor, run.Now);
                newCompanies[Key(company)] = c;
            }
            foreach (var tag in row.List("tags") ?? [])
            {
                var key = TagSet.Normalize(tag);
                if (key.Length > 0 && !_tags.ContainsKey(key) && !newTags.ContainsKey(key))
                    newTags[key] = new Tag { Name = tag.Trim(), NormalizedName = key };
            }
        }
        if (newCompanies.Count == 0 && newTags.Count == 0) return;
        run.Db.Companies.AddRange(newCompanies.Values);
        run.Db.Tags.AddRange(newTags.Values);
        await run.Db.SaveChangesAsync(ct);
        foreach (var (key, c) in newCompanies)
        {
            _companies[key] = c.Id;
            _companyNames[c.Id] = c.Name;
        }
        foreach (var (key, t) in newTags) _tags[key] = new Tag { Id = t.Id, Name = t.Name, NormalizedName = t.NormalizedName };
        foreach (var e in run.Db.ChangeTracker.Entries().Where(e => e.Entity is Companies.Company or Tags.Tag).ToList()) e.State = EntityState.Detached;
    }

    public long Company(ImportRun run, string name) =>
        _companies.TryGetValue(Key(name), out var id) ? id : throw new InvalidOperationException($"The company '{name}' was not prepared.");

    public string? CompanyName(long id) => _companyNames.GetValueOrDefault(id);

    public Tag Tag(ImportRun run, string name) =>
        _tags.TryGetValue(TagSet.Normalize(name), out var t) ? t : throw new InvalidOperationException($"The tag '{name}' was not prepared.");

    public long? User(string email) => _users.TryGetValue(email.Trim().ToLowerInvariant(), out var id) ? id : null;
}
