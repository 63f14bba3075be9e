using System.Data.Common;
using System.Text.Json.Nodes;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.SensitiveFields;

/// <summary>How far a conversion is: customers, then history rows.</summary>
public sealed record ConversionProgress(string Phase, long Done, long Total);

/// <summary>What a conversion did.</summary>
public sealed record ConversionResult(long Customers, long HistoryRows, bool Finished);

/// <summary>
/// Brings every stored value of the sealable customer fields in line with the current markings and the active key:
/// seals the values of sensitive fields (and any sealed with an older key), opens those of fields no longer
/// sensitive, and fixes lookups and the search text. It walks customers in id order, a batch per transaction, and
/// only rewrites rows that need it, so it can be stopped at any point and run again: every value says itself whether
/// and with which key it is sealed, so reads are right throughout. History rows of those fields follow the same way.
/// On SQLite the free space is scrubbed at the end (as an erasure does), so no plain value stays in the file.
/// </summary>
public sealed class ConvertSensitiveValues(KithDb db, TimeProvider clock)
{
    public const int BatchSize = 200;

    public async Task<ConversionResult> RunAsync(IProgress<ConversionProgress>? progress, CancellationToken ct)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var sensitive = await SensitiveSet.LoadAsync(db, ct);
        var sealing = CustomerSealing.Of(db) ?? throw new InvalidOperationException("The database context has no field sealing.");
        var ring = sealing.Cipher.Ring;
        string? active = sensitive.IsEmpty && !ring.Exists ? null : ring.ActiveKeyId;

        var total = await db.Customers.IgnoreQueryFilters().LongCountAsync(ct);
        long last = 0, done = 0, rewritten = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var batch = new List<(long Id, bool Work)>();
            await Sql.ReadAsync(db, $"SELECT id, phone, phone_lookup, address, address_lookup, birth_date, birth_date_sealed, birth_date_lookup, custom_fields, custom_field_lookups FROM customers WHERE id > {Sql.P(db, 0)} ORDER BY id LIMIT {BatchSize}",
                r => batch.Add((r.GetInt64(0), NeedsWork(r, sensitive, active))), ct, last);
            if (batch.Count == 0) break;
            var ids = batch.Where(b => b.Work).Select(b => b.Id).ToList();
            if (ids.Count > 0) rewritten += await ResealAsync(ids, ct);
            last = batch[^1].Id;
            done += batch.Count;
            progress?.Report(new ConversionProgress("customers", Math.Min(done, total), total));
        }

        var history = await ConvertHistoryAsync(sealing, sensitive, active, progress, ct);

        // Only the markings this run saw are done; one changed meanwhile waits for the next run.
        await db.SensitiveFields.Where(f => f.ChangedAt <= started && !f.Sensitive).ExecuteDeleteAsync(ct);
        await db.SensitiveFields.Where(f => f.ChangedAt <= started && f.Sensitive).ExecuteUpdateAsync(s => s.SetProperty(f => f.Converted, true), ct);
        if (rewritten + history > 0) await ScrubAsync(ct);
        return new ConversionResult(rewritten, history, true);
    }

    private static bool NeedsWork(DbDataReader r, SensitiveSet sensitive, string? active)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        bool Text(string field, string? value, string? lookup) => sensitive.Contains(field)
            ? value is not null && (!FieldCipher.IsSealedWith(value, active!) || lookup is null)
            : FieldCipher.IsSealed(value) || lookup is not null;
        if (Text(SealableFields.Phone, S(1), S(2)) || Text(SealableFields.Address, S(3), S(4))) return true;
        var birthPlain = !r.IsDBNull(5);
        var birthSealed = S(6);
        if (sensitive.Contains(SealableFields.BirthDate)
                ? birthPlain || (birthSealed is not null && (!FieldCipher.IsSealedWith(birthSealed, active!) || S(7) is null))
                : birthSealed is not null || S(7) is not null)
            return true;
        var json = r.GetString(8);
        var lookups = S(9);
        if (sensitive.CustomKeys.Count == 0) return lookups is not null || json.Contains(FieldCipher.Prefix, StringComparison.Ordinal);
        if (JsonNode.Parse(json) is not JsonObject node) return false;
        var expectedLookups = 0;
        foreach (var (key, value) in node)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var s)) continue;
            if (sensitive.Contains("cf." + key))
            {
                expectedLookups++;
                if (!FieldCipher.IsSealedWith(s, active!)) return true;
            }
            else if (FieldCipher.IsSealed(s)) return true;
        }
        var haveLookups = lookups is null ? 0 : (JsonNode.Parse(lookups) as JsonObject)?.Count ?? 0;
        return haveLookups != expectedLookups;
    }

    /// <summary>Loads the customers as entities (opened on the way) and saves every sealable value again, sealed or plain as marked now.</summary>
    private async Task<long> ResealAsync(List<long> ids, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var customers = await db.Customers.IgnoreQueryFilters().Where(c => ids.Contains(c.Id)).ToListAsync(ct);
            foreach (var c in customers)
            {
                var entry = db.Entry(c);
                foreach (var property in new[]
                         {
                             nameof(Customer.Phone), nameof(Customer.Address), nameof(Customer.BirthDate), nameof(Customer.BirthDateSealed),
                             nameof(Customer.CustomFields), nameof(Customer.SearchText), nameof(Customer.PhoneLookup), nameof(Customer.AddressLookup),
                             nameof(Customer.BirthDateLookup), nameof(Customer.CustomFieldLookups),
                         })
                    entry.Property(property).IsModified = true;
            }
            try
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                return customers.Count;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // Someone saved one of these customers meanwhile: read the batch again.
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<long> ConvertHistoryAsync(CustomerSealing sealing, SensitiveSet sensitive, string? active, IProgress<ConversionProgress>? progress, CancellationToken ct)
    {
        var fields = db.RecordChanges.Where(r => r.EntityType == ChangeLog.CustomerEntity
                                                 && (r.Field == SealableFields.Phone || r.Field == SealableFields.Address || r.Field == SealableFields.BirthDate || r.Field!.StartsWith("customFields.")));
        var total = await fields.LongCountAsync(ct);
        long last = 0, done = 0, rewritten = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var rows = await fields.AsNoTracking().Where(r => r.Id > last).OrderBy(r => r.Id).Take(BatchSize)
                .Select(r => new { r.Id, r.Field, r.EntityId }).ToListAsync(ct);
            if (rows.Count == 0) break;
            // The raw values: read as columns, so the entity materialiser does not open them.
            var raw = new Dictionary<long, (string? Old, string? New)>();
            var idList = string.Join(", ", rows.Select(r => r.Id));
            await Sql.ReadAsync(db, $"SELECT id, old_value, new_value FROM record_changes WHERE id IN ({idList})",
                r => raw[r.GetInt64(0)] = (r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)), ct);
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                foreach (var row in rows)
                {
                    var field = SealableFields.FromHistory(row.Field)!;
                    var seal = sensitive.Contains(field);
                    var (old, now) = raw[row.Id];
                    bool Right(string? v) => v is null || (seal ? FieldCipher.IsSealedWith(v, active!) : !FieldCipher.IsSealed(v));
                    if (Right(old) && Right(now)) continue;
                    string? Convert(string? v)
                    {
                        var plain = sealing.Open(v, field, row.EntityId);
                        return plain is null || !seal ? plain : sealing.Cipher.Seal(plain, SealableFields.Table, field, row.EntityId);
                    }
                    await Sql.ExecAsync(db, $"UPDATE record_changes SET old_value = {Sql.P(db, 0)}, new_value = {Sql.P(db, 1)} WHERE id = {Sql.P(db, 2)}", ct,
                        Convert(old), Convert(now), row.Id);
                    rewritten++;
                }
                await tx.CommitAsync(ct);
            }
            last = rows[^1].Id;
            done += rows.Count;
            progress?.Report(new ConversionProgress("history", done, total));
        }
        return rewritten;
    }

    /// <summary>
    /// Plain values the conversion replaced still sit in free pages, the write-ahead log and the search index's old
    /// segments until overwritten: on SQLite the index is merged, the file rewritten and the log truncated (ADR-0012's
    /// scrub). PostgreSQL's VACUUM frees the old row versions for reuse; what it leaves is in docs/security.md.
    /// </summary>
    private async Task ScrubAsync(CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.Sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("INSERT INTO customers_search(customers_search) VALUES ('optimize')", ct);
            await db.Database.ExecuteSqlRawAsync("VACUUM", ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
            return;
        }
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            foreach (var table in new[] { "customers", "record_changes" }) await Sql.ExecAsync(db, "VACUUM " + table, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
