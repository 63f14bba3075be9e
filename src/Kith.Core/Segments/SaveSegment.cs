using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.RegularExpressions;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Segments;

/// <summary>What a user sends to create or change a segment.</summary>
public sealed class SegmentInput
{
    [Required(AllowEmptyStrings = false), MaxLength(100)] public string Name { get; set; } = "";
    /// <summary>The name in the filter language; made from the name when left out.</summary>
    [MaxLength(60)] public string? Key { get; set; }
    [MaxLength(1000)] public string? Description { get; set; }
    [Required(AllowEmptyStrings = false), MaxLength(FilterParser.MaxLength)] public string Filter { get; set; } = "";
}

/// <summary>
/// Creates a segment or changes one (its creator or an administrator). The filter must compile against the customer
/// fields, custom fields, behaviour conditions and other segments as they are now, so a saved segment always works
/// when saved; a refresh of its members follows at once.
/// </summary>
public sealed partial class SaveSegment(KithDb db, ListEngine engine, SegmentSignal signal, TimeProvider clock)
{
    public async Task<SegmentDetail> CreateAsync(SegmentInput input, AccessScope scope, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        var segment = new Segment { CreatedByUserId = scope.UserId, CreatedAt = clock.GetUtcNow().UtcDateTime };
        await ApplyAsync(segment, input, scope, ct);
        db.Segments.Add(segment);
        await SaveAsync(segment, ct);
        signal.Refresh(segment.Id);
        return SegmentQueries.Detail(segment, segment.MemberCount, false);
    }

    public async Task<SegmentDetail> UpdateAsync(long id, SegmentInput input, AccessScope scope, CancellationToken ct)
    {
        var segment = await db.Segments.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFound("Segment");
        EnsureCanChange(segment, scope);
        var filterChanged = segment.Filter != input.Filter.Trim();
        await ApplyAsync(segment, input, scope, ct);
        await SaveAsync(segment, ct);
        if (filterChanged) signal.Refresh(segment.Id);
        return SegmentQueries.Detail(segment, scope.OwnerIds is null ? segment.MemberCount : null, false);
    }

    public async Task DeleteAsync(long id, AccessScope scope, CancellationToken ct)
    {
        var segment = await db.Segments.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFound("Segment");
        EnsureCanChange(segment, scope);
        // A segment that others are built on would break them; say which.
        var users = await db.Segments.AsNoTracking().Where(s => s.Id != id && s.Filter.Contains("segment")).Select(s => new { s.Name, s.Filter }).ToListAsync(ct);
        var dependents = users.Where(s => Mentions(s.Filter, segment.Key)).Select(s => s.Name).ToList();
        if (dependents.Count > 0)
            throw new RuleViolation($"The segment is used by {string.Join(", ", dependents.Select(n => $"'{n}'"))}; change those first.", status: 409);
        await db.SegmentMembers.Where(m => m.SegmentId == id).ExecuteDeleteAsync(ct);
        await db.SegmentChanges.Where(m => m.SegmentId == id).ExecuteDeleteAsync(ct);
        db.Segments.Remove(segment);
        await db.SaveChangesAsync(ct);
    }

    internal static void EnsureCanChange(Segment segment, AccessScope scope)
    {
        if (segment.CreatedByUserId != scope.UserId && !scope.IsAdmin)
            throw new Forbidden("Only the segment's creator or an administrator may change it.");
    }

    private async Task ApplyAsync(Segment segment, SegmentInput input, AccessScope scope, CancellationToken ct)
    {
        ContactRules.Validate(input);
        var name = input.Name.Trim();
        if (name.Length == 0) throw RuleViolation.Field("name", "A segment needs a name.");
        var key = string.IsNullOrWhiteSpace(input.Key) ? await FreeKeyAsync(Slug(name), segment.Id, ct) : input.Key.Trim().ToLowerInvariant();
        if (!KeyPattern().IsMatch(key))
            throw RuleViolation.Field("key", "A key is 1 to 60 lower-case letters, digits and dashes, starting with a letter, such as at-risk-buyers.");
        if (await db.Segments.AnyAsync(s => s.Key == key && s.Id != segment.Id, ct))
            throw RuleViolation.Field("key", $"Another segment already has the key '{key}'.");
        var filter = input.Filter.Trim();
        if (Mentions(filter, key)) throw RuleViolation.Field("filter", "A segment cannot be built on itself.");
        try
        {
            await engine.ValidateAsync(CustomerQueries.Schema, scope, filter, ct);
        }
        catch (RuleViolation e) when (e.Status == 400)
        {
            throw new RuleViolation(e.Message, new Dictionary<string, string[]> { ["filter"] = [e.Message] });
        }
        segment.Name = name;
        segment.Key = key;
        segment.Description = ContactRules.Clean(input.Description);
        if (segment.Filter != filter) segment.RefreshError = null;
        segment.Filter = filter;
        segment.UpdatedAt = clock.GetUtcNow().UtcDateTime;
    }

    private async Task SaveAsync(Segment segment, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two segments saved at once under the same key.
            throw RuleViolation.Field("key", $"Another segment already has the key '{segment.Key}'.");
        }
    }

    /// <summary>Whether a filter names the segment: <c>segment eq key</c>, <c>segment in (…, key)</c>.</summary>
    internal static bool Mentions(string filter, string key) =>
        Regex.IsMatch(filter, @"\bsegment\s+(eq|ne|in)\b[^)]*?(?<![a-z0-9-])""?" + Regex.Escape(key) + @"""?(?![a-z0-9-])", RegexOptions.IgnoreCase);

    private async Task<string> FreeKeyAsync(string stem, long selfId, CancellationToken ct)
    {
        var taken = await db.Segments.AsNoTracking().Where(s => s.Id != selfId && s.Key.StartsWith(stem)).Select(s => s.Key).ToListAsync(ct);
        if (!taken.Contains(stem)) return stem;
        for (var n = 2; ; n++)
            if (!taken.Contains($"{stem}-{n}")) return $"{stem}-{n}";
    }

    /// <summary>A key from a name: ASCII letters and digits kept, the rest as dashes; a name with none (中文) gets "segment".</summary>
    internal static string Slug(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name.Normalize(NormalizationForm.FormD).ToLowerInvariant())
        {
            if (ch is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(ch);
            else if (char.GetUnicodeCategory(ch) == System.Globalization.UnicodeCategory.NonSpacingMark) continue;
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        var slug = sb.ToString().Trim('-');
        if (slug.Length > 50) slug = slug[..50].Trim('-');
        if (slug.Length == 0 || !char.IsAsciiLetter(slug[0])) slug = slug.Length == 0 ? "segment" : "s-" + slug;
        return slug;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,59}$")]
    private static partial Regex KeyPattern();
}
