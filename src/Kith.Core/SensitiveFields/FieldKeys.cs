using System.Text.Json.Nodes;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;

namespace Kith.Core.SensitiveFields;

/// <summary>How many stored values each key seals, and how many values of sensitive fields are still plain.</summary>
public sealed record FieldKeyStatus(string? ActiveKey, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, long> ValuesByKey, long PlainSensitiveValues, string KeyFile);

/// <summary>
/// Key rotation (<c>kith keys rotate</c>, <c>status</c>, <c>retire</c>). Rotating adds a key, makes it the one new
/// values are sealed with, and re-seals every value with it (<see cref="ConvertSensitiveValues"/>, resumable); the
/// old keys stay in the file until retired, so reads never fail while it runs. A key is retired only when no value
/// uses it any more.
/// </summary>
public sealed class FieldKeys(KithDb db, ConvertSensitiveValues convert)
{
    private FieldKeyRing Ring => (CustomerSealing.Of(db) ?? throw new InvalidOperationException("The database context has no field sealing.")).Cipher.Ring;

    public async Task<(string KeyId, ConversionResult Result)> RotateAsync(IProgress<ConversionProgress>? progress, CancellationToken ct)
    {
        if (!Ring.Exists) throw RuleViolation.Field("key", $"There is no field key file at {Ring.FilePath} yet: mark a field sensitive first.");
        var id = Ring.AddActiveKey();
        return (id, await convert.RunAsync(progress, ct));
    }

    /// <summary>Finishes a rotation (or a marking) that was stopped: re-seals what does not use the active key yet.</summary>
    public Task<ConversionResult> ResumeAsync(IProgress<ConversionProgress>? progress, CancellationToken ct) => convert.RunAsync(progress, ct);

    public async Task<FieldKeyStatus> StatusAsync(CancellationToken ct)
    {
        var ring = Ring;
        var sensitive = await SensitiveSet.LoadAsync(db, ct);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long plain = 0;
        void Count(string? value, bool shouldSeal)
        {
            if (value is null) return;
            if (FieldCipher.KeyIdOf(value) is { } id) counts[id] = counts.GetValueOrDefault(id) + 1;
            else if (shouldSeal) plain++;
        }
        await Sql.ReadAsync(db, "SELECT phone, address, birth_date_sealed, custom_fields, birth_date FROM customers", r =>
        {
            Count(r.IsDBNull(0) ? null : r.GetString(0), sensitive.Contains(SealableFields.Phone));
            Count(r.IsDBNull(1) ? null : r.GetString(1), sensitive.Contains(SealableFields.Address));
            Count(r.IsDBNull(2) ? null : r.GetString(2), false);
            if (!r.IsDBNull(4) && sensitive.Contains(SealableFields.BirthDate)) plain++;
            var json = r.GetString(3);
            if (sensitive.CustomKeys.Count == 0 && !json.Contains(FieldCipher.Prefix, StringComparison.Ordinal)) return;
            if (JsonNode.Parse(json) is JsonObject node)
                foreach (var (key, value) in node)
                    if (value is JsonValue v && v.TryGetValue<string>(out var s)) Count(s, sensitive.Contains("cf." + key));
        }, ct);
        await Sql.ReadAsync(db, "SELECT old_value, new_value FROM record_changes WHERE entity_type = 'customer' AND (old_value LIKE 'enc:%' OR new_value LIKE 'enc:%')", r =>
        {
            Count(r.IsDBNull(0) ? null : r.GetString(0), false);
            Count(r.IsDBNull(1) ? null : r.GetString(1), false);
        }, ct);
        return new FieldKeyStatus(ring.Exists ? ring.ActiveKeyId : null, ring.Exists ? ring.KeyIds : [], counts, plain, ring.FilePath);
    }

    public async Task RetireAsync(string keyId, CancellationToken ct)
    {
        var status = await StatusAsync(ct);
        if (status.ValuesByKey.GetValueOrDefault(keyId) is var used and > 0)
            throw new RuleViolation($"Key '{keyId}' still seals {used} values; run `kith keys rotate` (or `kith fields convert` to finish one) before retiring it.",
                new Dictionary<string, string[]> { ["key"] = [$"{used} values still use {keyId}."] }, 409);
        Ring.Remove(keyId);
    }
}
