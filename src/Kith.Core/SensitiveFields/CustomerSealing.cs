using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// Seals and opens customers' sensitive values where EF Core reads and writes them, so the use cases keep working
/// with plain values (ADR-0017):
/// <list type="bullet">
/// <item>every customer (and customer history row) EF materialises has its sealed values opened, whatever the field's
/// current marking: a value says itself whether it is sealed;</item>
/// <item>a save seals the changed values of fields marked sensitive (and sets their lookups), opens those of fields no
/// longer marked, keeps a sensitive phone out of the search text, and gives the entities their plain values back
/// afterwards. A new customer has no id before its insert, and the id is part of what a sealed value is bound to:
/// its sensitive values are inserted empty and written sealed right after, in the same transaction.</item>
/// </list>
/// Reads that project columns without an entity (lists, exports) open values with <see cref="Open"/>.
/// </summary>
public sealed class CustomerSealing : SaveChangesInterceptor, IMaterializationInterceptor
{
    private static readonly ConcurrentDictionary<string, CustomerSealing> ByPath = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<DbContext, PendingSave> _pending = new();

    private CustomerSealing(string keyPath) => Cipher = new FieldCipher(new FieldKeyRing(keyPath));

    /// <summary>One instance per key file, so every context of a process shares the loaded ring.</summary>
    public static CustomerSealing For(string keyPath) => ByPath.GetOrAdd(keyPath, p => new CustomerSealing(p));

    /// <summary>The sealing of a context's key file; null for a context built without one (design time).</summary>
    public static CustomerSealing? Of(DbContext db) =>
        db.GetService<IDbContextOptions>().FindExtension<FieldKeysOption>() is { } option ? For(option.Path) : null;

    public FieldCipher Cipher { get; }

    /// <summary>A customer value as stored, opened when sealed.</summary>
    public string? Open(string? value, string field, long customerId) => Cipher.OpenOrNull(value, SealableFields.Table, field, customerId);

    /// <summary>The custom fields JSON of a customer with every sealed value opened.</summary>
    public string OpenCustomFields(string json, long customerId)
    {
        if (!json.Contains(FieldCipher.Prefix, StringComparison.Ordinal)) return json;
        var node = JsonNode.Parse(json) as JsonObject ?? [];
        foreach (var (key, value) in node.ToList())
            if (value is JsonValue v && v.TryGetValue<string>(out var s) && FieldCipher.IsSealed(s))
                node[key] = Cipher.Open(s, SealableFields.Table, "cf." + key, customerId);
        return node.ToJsonString();
    }

    /// <summary>A birth date as stored: the date column, or the sealed column opened.</summary>
    public DateOnly? OpenBirthDate(DateOnly? column, string? sealedValue, long customerId) =>
        sealedValue is null ? column : DateOnly.ParseExact(Cipher.Open(sealedValue, SealableFields.Table, SealableFields.BirthDate, customerId), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public object InitializedInstance(MaterializationInterceptionData materializationData, object entity)
    {
        switch (entity)
        {
            case Customer c:
                if (FieldCipher.IsSealed(c.Phone)) c.Phone = Open(c.Phone, SealableFields.Phone, c.Id);
                if (FieldCipher.IsSealed(c.Address)) c.Address = Open(c.Address, SealableFields.Address, c.Id);
                if (c.BirthDateSealed is not null) c.BirthDate = OpenBirthDate(c.BirthDate, c.BirthDateSealed, c.Id);
                c.CustomFields = OpenCustomFields(c.CustomFields, c.Id);
                break;
            case RecordChange r when r.EntityType == ChangeLog.CustomerEntity && SealableFields.FromHistory(r.Field) is { } field:
                if (FieldCipher.IsSealed(r.OldValue)) r.OldValue = Open(r.OldValue, field, r.EntityId);
                if (FieldCipher.IsSealed(r.NewValue)) r.NewValue = Open(r.NewValue, field, r.EntityId);
                break;
        }
        return entity;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is KithDb db && HasWork(db)) Prepare(db, SensitiveSet.Load(db));
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        if (eventData.Context is KithDb db && HasWork(db)) Prepare(db, await SensitiveSet.LoadAsync(db, ct));
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } db && _pending.TryGetValue(db, out var pending))
        {
            _pending.Remove(db);
            foreach (var (sql, args) in pending.Updates) db.Database.ExecuteSqlRaw(sql, args);
            pending.Restore();
            pending.OwnTransaction?.Commit();
            pending.OwnTransaction?.Dispose();
        }
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        if (eventData.Context is { } db && _pending.TryGetValue(db, out var pending))
        {
            _pending.Remove(db);
            foreach (var (sql, args) in pending.Updates) await db.Database.ExecuteSqlRawAsync(sql, args, ct);
            pending.Restore();
            if (pending.OwnTransaction is { } tx)
            {
                await tx.CommitAsync(ct);
                await tx.DisposeAsync();
            }
        }
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Abandon(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken ct = default)
    {
        Abandon(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Abandon(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken ct = default)
    {
        Abandon(eventData.Context);
        return Task.CompletedTask;
    }

    private void Abandon(DbContext? db)
    {
        if (db is null || !_pending.TryGetValue(db, out var pending)) return;
        _pending.Remove(db);
        pending.Restore();
        pending.OwnTransaction?.Rollback();
        pending.OwnTransaction?.Dispose();
    }

    private static bool HasWork(KithDb db) =>
        db.ChangeTracker.Entries<Customer>().Any(e => e.State is EntityState.Added or EntityState.Modified)
        || db.ChangeTracker.Entries<RecordChange>().Any(e => e.State == EntityState.Added && e.Entity.EntityType == ChangeLog.CustomerEntity);

    private void Prepare(KithDb db, SensitiveSet sensitive)
    {
        var pending = new PendingSave();
        foreach (var entry in db.ChangeTracker.Entries<Customer>().Where(e => e.State is EntityState.Added or EntityState.Modified).ToList())
            SealCustomer(db, entry, sensitive, pending);
        foreach (var entry in db.ChangeTracker.Entries<RecordChange>().Where(e => e.State == EntityState.Added && e.Entity.EntityType == ChangeLog.CustomerEntity))
        {
            var r = entry.Entity;
            if (SealableFields.FromHistory(r.Field) is not { } field || !sensitive.Contains(field)) continue;
            if (r.OldValue is { } old && !FieldCipher.IsSealed(old)) r.OldValue = Cipher.Seal(old, SealableFields.Table, field, r.EntityId);
            if (r.NewValue is { } now && !FieldCipher.IsSealed(now)) r.NewValue = Cipher.Seal(now, SealableFields.Table, field, r.EntityId);
        }
        if (pending.IsEmpty) return;
        if (pending.Deferred.Count > 0 && db.Database.CurrentTransaction is null)
            pending.OwnTransaction = db.Database.BeginTransaction();
        _pending.AddOrUpdate(db, pending);
    }

    private void SealCustomer(KithDb db, EntityEntry<Customer> entry, SensitiveSet sensitive, PendingSave pending)
    {
        var c = entry.Entity;
        var added = entry.State == EntityState.Added;
        var deferred = added && c.Id == 0;
        var columns = new List<(string Column, Func<long, string> Seal)>();
        bool Changed(string property) => added || entry.Property(property).IsModified;

        void Text(string field, string property, string lookupProperty, string column)
        {
            if (!Changed(property)) return;
            var plain = (string?)entry.Property(property).CurrentValue;
            var seal = sensitive.Contains(field) && plain is not null;
            Set(entry, lookupProperty, seal ? Cipher.Lookup(field, FieldCipher.Normalise(plain!)) : null);
            if (!seal) return;
            pending.Keep(entry, property, plain);
            if (deferred)
            {
                entry.Property(property).CurrentValue = null;
                columns.Add((column, id => Cipher.Seal(plain!, SealableFields.Table, field, id)));
            }
            else entry.Property(property).CurrentValue = Cipher.Seal(plain!, SealableFields.Table, field, c.Id);
        }

        Text(SealableFields.Phone, nameof(Customer.Phone), nameof(Customer.PhoneLookup), "phone");
        Text(SealableFields.Address, nameof(Customer.Address), nameof(Customer.AddressLookup), "address");

        if (Changed(nameof(Customer.BirthDate)) || Changed(nameof(Customer.BirthDateSealed)))
        {
            var birth = c.BirthDate;
            var seal = sensitive.Contains(SealableFields.BirthDate) && birth is not null;
            var text = birth?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Set(entry, nameof(Customer.BirthDateLookup), seal ? Cipher.Lookup(SealableFields.BirthDate, text!) : null);
            if (seal)
            {
                pending.Keep(entry, nameof(Customer.BirthDate), birth);
                pending.Keep(entry, nameof(Customer.BirthDateSealed), c.BirthDateSealed);
                c.BirthDate = null;
                if (deferred) columns.Add(("birth_date_sealed", id => Cipher.Seal(text!, SealableFields.Table, SealableFields.BirthDate, id)));
                else c.BirthDateSealed = Cipher.Seal(text!, SealableFields.Table, SealableFields.BirthDate, c.Id);
            }
            else if (c.BirthDateSealed is not null) c.BirthDateSealed = null;
        }

        if (Changed(nameof(Customer.CustomFields)))
        {
            var keys = sensitive.CustomKeys;
            var plainJson = c.CustomFields;
            var node = keys.Count == 0 ? null : JsonNode.Parse(plainJson) as JsonObject;
            var lookups = new JsonObject();
            var sealedKeys = new List<string>();
            if (node is not null)
                foreach (var key in keys)
                {
                    if (node[key] is not JsonValue v || !v.TryGetValue<string>(out var plain) || FieldCipher.IsSealed(plain)) continue;
                    lookups[key] = Cipher.Lookup("cf." + key, FieldCipher.Normalise(plain));
                    sealedKeys.Add(key);
                }
            Set(entry, nameof(Customer.CustomFieldLookups), lookups.Count == 0 ? null : lookups.ToJsonString());
            if (sealedKeys.Count > 0)
            {
                pending.Keep(entry, nameof(Customer.CustomFields), plainJson);
                if (deferred)
                {
                    // Inserted without the sealed keys; written whole, sealed with the new id, right after.
                    var open = JsonNode.Parse(plainJson)!.AsObject();
                    foreach (var key in sealedKeys) open.Remove(key);
                    c.CustomFields = open.ToJsonString();
                    columns.Add(("custom_fields", id => SealCustomFields(plainJson, sealedKeys, id)));
                }
                else c.CustomFields = SealCustomFields(plainJson, sealedKeys, c.Id);
            }
        }

        // The search text holds a phone's digits for substring search; a sealed phone must not be readable there.
        if (Changed(nameof(Customer.Phone)) || Changed(nameof(Customer.SearchText)))
        {
            var digits = SearchGrams.Text(SearchGrams.PhoneDigits(c.Phone is { } p && !FieldCipher.IsSealed(p) ? p : pending.Plain(entry, nameof(Customer.Phone))));
            var text = SearchText(c.SearchText, digits, keep: !sensitive.Contains(SealableFields.Phone));
            if (text != c.SearchText)
            {
                c.SearchText = text;
                c.SearchGrams = SearchGrams.Tokens(text);
            }
        }

        if (deferred && columns.Count > 0) pending.Deferred.Add((entry, columns));
    }

    /// <summary>
    /// Seals a customer that is written without a save (an import's bulk insert), its id already given; returns how
    /// to give it its plain values back once written.
    /// </summary>
    public Action SealDetached(Customer c, SensitiveSet sensitive)
    {
        var (phone, address, birth, custom, search, grams) = (c.Phone, c.Address, c.BirthDate, c.CustomFields, c.SearchText, c.SearchGrams);
        if (sensitive.Contains(SealableFields.Phone) && phone is not null)
        {
            c.PhoneLookup = Cipher.Lookup(SealableFields.Phone, FieldCipher.Normalise(phone));
            c.Phone = Cipher.Seal(phone, SealableFields.Table, SealableFields.Phone, c.Id);
            c.SearchText = SearchText(search, SearchGrams.Text(SearchGrams.PhoneDigits(phone)), keep: false);
            if (c.SearchText != search) c.SearchGrams = SearchGrams.Tokens(c.SearchText);
        }
        if (sensitive.Contains(SealableFields.Address) && address is not null)
        {
            c.AddressLookup = Cipher.Lookup(SealableFields.Address, FieldCipher.Normalise(address));
            c.Address = Cipher.Seal(address, SealableFields.Table, SealableFields.Address, c.Id);
        }
        if (sensitive.Contains(SealableFields.BirthDate) && birth is { } b)
        {
            var text = b.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            c.BirthDateLookup = Cipher.Lookup(SealableFields.BirthDate, text);
            c.BirthDateSealed = Cipher.Seal(text, SealableFields.Table, SealableFields.BirthDate, c.Id);
            c.BirthDate = null;
        }
        if (sensitive.CustomKeys.Count > 0 && JsonNode.Parse(custom) is JsonObject node)
        {
            var lookups = new JsonObject();
            foreach (var key in sensitive.CustomKeys)
                if (node[key] is JsonValue v && v.TryGetValue<string>(out var plain))
                    lookups[key] = Cipher.Lookup("cf." + key, FieldCipher.Normalise(plain));
            if (lookups.Count > 0)
            {
                c.CustomFieldLookups = lookups.ToJsonString();
                c.CustomFields = SealCustomFields(custom, sensitive.CustomKeys, c.Id);
            }
        }
        return () => (c.Phone, c.Address, c.BirthDate, c.BirthDateSealed, c.CustomFields, c.SearchText, c.SearchGrams) = (phone, address, birth, null, custom, search, grams);
    }

    private string SealCustomFields(string json, IEnumerable<string> keys, long id)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        foreach (var key in keys)
            if (node[key] is JsonValue v && v.TryGetValue<string>(out var plain))
                node[key] = Cipher.Seal(plain, SealableFields.Table, "cf." + key, id);
        return node.ToJsonString();
    }

    /// <summary>The search text with the phone's digits present (a plain phone) or absent (a sealed one).</summary>
    internal static string SearchText(string text, string digits, bool keep)
    {
        if (digits.Length == 0) return text;
        var parts = text.Split(SearchGrams.FieldSeparator).Where(p => p.Length > 0).ToList();
        var has = parts.Contains(digits);
        if (keep && !has) parts.Add(digits);
        if (!keep && has) parts.Remove(digits);
        return string.Join(SearchGrams.FieldSeparator, parts);
    }

    private static void Set(EntityEntry<Customer> entry, string property, object? value)
    {
        var p = entry.Property(property);
        if (!Equals(p.CurrentValue, value)) p.CurrentValue = value;
    }

    /// <summary>What one save changed for sealing: plain values to give back after it, and new customers to seal once they have ids.</summary>
    private sealed class PendingSave
    {
        private readonly List<(EntityEntry Entry, string Property, object? Plain)> _kept = [];
        public List<(EntityEntry<Customer> Entry, List<(string Column, Func<long, string> Seal)> Columns)> Deferred { get; } = [];
        public IDbContextTransaction? OwnTransaction { get; set; }
        public bool IsEmpty => _kept.Count == 0 && Deferred.Count == 0;

        public void Keep(EntityEntry entry, string property, object? plain) => _kept.Add((entry, property, plain));

        public string? Plain(EntityEntry entry, string property) =>
            _kept.LastOrDefault(k => k.Entry == entry && k.Property == property).Plain as string;

        /// <summary>The UPDATE statements that seal new customers with the ids their insert gave them (column names are Kith's own).</summary>
        public IEnumerable<(string Sql, object[] Args)> Updates => Deferred.Select(d =>
        {
            var id = d.Entry.Entity.Id;
            var sets = string.Join(", ", d.Columns.Select((c, i) => $"{c.Column} = {{{i}}}"));
            return ($"UPDATE customers SET {sets} WHERE id = {{{d.Columns.Count}}}", d.Columns.Select(c => (object)c.Seal(id)).Append(id).ToArray());
        });

        public void Restore()
        {
            foreach (var (entry, property, plain) in _kept)
            {
                var p = entry.Property(property);
                p.CurrentValue = plain;
                if (entry.State != EntityState.Detached) p.OriginalValue = plain;
            }
        }
    }
}
