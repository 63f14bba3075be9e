using System.Text.Json;
using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Privacy;

/// <summary>What an import does with a row that names an erased person: refuse it (default) or create it and flag it.</summary>
public enum ErasedMatchAction { Reject, Flag }

/// <summary>An admin-defined consent purpose besides the built-in ones.</summary>
public sealed record ConsentPurpose(string Key, string Name);

/// <summary>
/// The maximum age per kind of data, in days; null keeps it forever. <see cref="DeletedCustomersDays"/> is how long a
/// customer stays in the bin before the retention worker erases it (30 unless an admin says otherwise).
/// </summary>
public sealed record RetentionRules(int? BehaviorEventsDays, int? CommunicationsDays, int? EmailMessagesDays, int? ImportReportsDays, int? DeletedCustomersDays)
{
    public static RetentionRules Default { get; } = new(null, null, null, null, 30);
}

/// <summary>The privacy settings of the workspace: who may erase, how an erased person met again is treated, purposes, retention.</summary>
public sealed record PrivacySettingsModel(IReadOnlyList<Role> EraseRoles, ErasedMatchAction OnErasedMatch,
    IReadOnlyList<ConsentPurpose> Purposes, RetentionRules Retention);

public sealed partial class PrivacySettings(KithDb db)
{
    private const string Key = "privacy";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    [GeneratedRegex("^[a-z][a-z0-9_]{1,49}$")]
    private static partial Regex PurposeKey();

    public async Task<PrivacySettingsModel> GetAsync(CancellationToken ct = default)
    {
        var value = await db.Settings.AsNoTracking().Where(s => s.Key == Key).Select(s => s.Value).FirstOrDefaultAsync(ct);
        var stored = string.IsNullOrEmpty(value) ? null : JsonSerializer.Deserialize<PrivacySettingsModel>(value, s_json);
        return stored ?? new PrivacySettingsModel([Role.Admin], ErasedMatchAction.Reject, [], RetentionRules.Default);
    }

    public async Task<PrivacySettingsModel> UpdateAsync(PrivacySettingsModel settings, AccessScope scope, CancellationToken ct = default)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change the privacy settings.");
        var purposes = new List<ConsentPurpose>();
        foreach (var p in settings.Purposes ?? [])
        {
            var key = (p.Key ?? "").Trim().ToLowerInvariant();
            if (!PurposeKey().IsMatch(key)) throw RuleViolation.Field("purposes", $"'{p.Key}' is not a purpose key: use 2-50 of a-z, 0-9 and _, starting with a letter.");
            if (ConsentPurposes.BuiltIn.Contains(key) || purposes.Any(x => x.Key == key)) throw RuleViolation.Field("purposes", $"The purpose '{key}' is listed twice.");
            var name = string.IsNullOrWhiteSpace(p.Name) ? key : p.Name.Trim();
            purposes.Add(new ConsentPurpose(key, name.Length > 100 ? name[..100] : name));
        }
        var r = settings.Retention ?? RetentionRules.Default;
        foreach (var (field, days) in new[] { ("behaviorEventsDays", r.BehaviorEventsDays), ("communicationsDays", r.CommunicationsDays),
                     ("emailMessagesDays", r.EmailMessagesDays), ("importReportsDays", r.ImportReportsDays), ("deletedCustomersDays", r.DeletedCustomersDays) })
            if (days is < 1 or > 36500) throw RuleViolation.Field("retention." + field, "A maximum age is between 1 and 36500 days, or empty to keep forever.");
        var roles = (settings.EraseRoles ?? []).Append(Role.Admin).Distinct().Order().ToList();
        var model = new PrivacySettingsModel(roles, settings.OnErasedMatch, purposes, r);
        var json = JsonSerializer.Serialize(model, s_json);
        if (json.Length > 2000) throw RuleViolation.Field("purposes", "Too many purposes: the settings must fit in 2000 characters.");
        var row = await db.Settings.FirstOrDefaultAsync(s => s.Key == Key, ct);
        if (row is null) db.Settings.Add(new Setting { Key = Key, Value = json });
        else row.Value = json;
        await db.SaveChangesAsync(ct);
        return model;
    }

    /// <summary>Admins always may erase; other roles when the settings list them.</summary>
    public async Task EnsureCanEraseAsync(AccessScope scope, CancellationToken ct)
    {
        if (scope.IsAdmin) return;
        if (!(await GetAsync(ct)).EraseRoles.Contains(scope.Role))
            throw new Forbidden("Your role may not erase people; an administrator can allow it under Privacy.");
    }
}
