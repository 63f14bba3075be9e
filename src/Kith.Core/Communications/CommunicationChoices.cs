using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

public sealed record ChoiceItem(long Id, ChoiceKind Kind, string Key, string NameEn, string NameZh, bool IsEnabled, int SortOrder)
{
    public string Name(bool chinese) => chinese && NameZh.Length > 0 ? NameZh : NameEn;
}

/// <summary>A new or changed channel or outcome, as an admin types it.</summary>
public sealed class ChoiceInput
{
    public string? Key { get; set; }
    public string? NameEn { get; set; }
    public string? NameZh { get; set; }
    public bool IsEnabled { get; set; } = true;
    public int? SortOrder { get; set; }
}

/// <summary>The channel and outcome lists: read by everyone, added to and disabled by admins, checked on every write.</summary>
public sealed partial class CommunicationChoices(KithDb db)
{
    public async Task<IReadOnlyList<ChoiceItem>> ListAsync(ChoiceKind kind, bool includeDisabled, CancellationToken ct) =>
        await db.CommunicationChoices.AsNoTracking().Where(c => c.Kind == kind && (includeDisabled || c.IsEnabled))
            .OrderBy(c => c.SortOrder).ThenBy(c => c.Key)
            .Select(c => new ChoiceItem(c.Id, c.Kind, c.Key, c.NameEn, c.NameZh, c.IsEnabled, c.SortOrder)).ToListAsync(ct);

    /// <summary>The key, normalised, when it names an enabled entry; null stays null; anything else is a 400 on <paramref name="field"/>.</summary>
    public async Task<string?> CheckAsync(ChoiceKind kind, string? key, string field, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(key)) return null;
        var k = key.Trim().ToLowerInvariant();
        if (!await db.CommunicationChoices.AnyAsync(c => c.Kind == kind && c.Key == k && c.IsEnabled, ct))
            throw RuleViolation.Field(field, $"'{key}' is not a known {kind.ToString().ToLowerInvariant()}; GET /api/v1/{(kind == ChoiceKind.Channel ? "channels" : "outcomes")} lists them.");
        return k;
    }

    public async Task<ChoiceItem> AddAsync(ChoiceKind kind, ChoiceInput input, AccessScope scope, CancellationToken ct)
    {
        EnsureAdmin(scope);
        var key = input.Key?.Trim().ToLowerInvariant() ?? "";
        if (!KeyPattern().IsMatch(key))
            throw RuleViolation.Field("key", "The key is 1 to 50 lower-case letters, digits or underscores, starting with a letter.");
        if (await db.CommunicationChoices.AnyAsync(c => c.Kind == kind && c.Key == key, ct))
            throw new RuleViolation($"There is already a {kind.ToString().ToLowerInvariant()} '{key}'.", new Dictionary<string, string[]> { ["key"] = ["The key is taken."] }, 409);
        var max = await db.CommunicationChoices.Where(c => c.Kind == kind).MaxAsync(c => (int?)c.SortOrder, ct) ?? 0;
        var choice = new CommunicationChoice { Kind = kind, Key = key, SortOrder = input.SortOrder ?? max + 10 };
        Apply(choice, input);
        db.CommunicationChoices.Add(choice);
        await db.SaveChangesAsync(ct);
        return new ChoiceItem(choice.Id, kind, key, choice.NameEn, choice.NameZh, choice.IsEnabled, choice.SortOrder);
    }

    /// <summary>Renames, reorders, enables or disables an entry. Its key never changes, since records carry it.</summary>
    public async Task<ChoiceItem> UpdateAsync(ChoiceKind kind, string key, ChoiceInput input, AccessScope scope, CancellationToken ct)
    {
        EnsureAdmin(scope);
        var choice = await db.CommunicationChoices.FirstOrDefaultAsync(c => c.Kind == kind && c.Key == key, ct) ?? throw new NotFound(kind.ToString());
        Apply(choice, input);
        if (input.SortOrder is { } order) choice.SortOrder = order;
        await db.SaveChangesAsync(ct);
        return new ChoiceItem(choice.Id, kind, choice.Key, choice.NameEn, choice.NameZh, choice.IsEnabled, choice.SortOrder);
    }

    private static void Apply(CommunicationChoice choice, ChoiceInput input)
    {
        var en = input.NameEn?.Trim() ?? "";
        if (en.Length is 0 or > 100) throw RuleViolation.Field("nameEn", "The English name is 1 to 100 characters.");
        var zh = input.NameZh?.Trim() ?? "";
        if (zh.Length > 100) throw RuleViolation.Field("nameZh", "The Chinese name is at most 100 characters.");
        choice.NameEn = en;
        choice.NameZh = zh.Length == 0 ? en : zh;
        choice.IsEnabled = input.IsEnabled;
    }

    private static void EnsureAdmin(AccessScope scope)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an admin may change the channel and outcome lists.");
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$")]
    private static partial Regex KeyPattern();
}
