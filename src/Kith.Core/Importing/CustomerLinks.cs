using Kith.Core.Customers;
using Kith.Core.Infrastructure;

namespace Kith.Core.Importing;

/// <summary>
/// Finds the customer a purchase, communication or event row belongs to: by external id (a merged customer's id
/// resolves to the customer it was merged into), else by email. Only customers in the importing user's reach are
/// found. When asked, an unknown external id creates a customer of that id.
/// </summary>
internal sealed class CustomerLinks
{
    // A million customers' keys, kept compact (ADR-0022): about 30 bytes an entry plus the key's UTF-8.
    private readonly ExternalIds _byExternal = new();
    private readonly TextMap<long> _byEmail = new();
    private readonly HashSet<string> _unreachable = new(StringComparer.Ordinal);

    public static async Task<CustomerLinks> LoadAsync(ImportRun run, CancellationToken ct)
    {
        var links = new CustomerLinks();
        var owners = run.Scope.OwnerIds;
        var survivors = new Dictionary<string, long>(StringComparer.Ordinal);
        var live = new List<long>();   // in id order, as read
        await Sql.ReadAsync(run.Db, "SELECT id, external_id, email, owner_id, deleted_at, merged_into_id FROM customers ORDER BY id", r =>
        {
            var ext = r.IsDBNull(1) ? null : r.GetString(1);
            var inReach = owners is null || owners.Contains(r.GetInt64(3));
            if (!r.IsDBNull(5))
            {
                if (ext is not null) survivors[ext] = r.GetInt64(5);
                return;
            }
            if (!r.IsDBNull(4) || !inReach)
            {
                if (ext is not null) links._unreachable.Add(ext);
                return;
            }
            var id = r.GetInt64(0);
            live.Add(id);
            if (ext is not null) links._byExternal[ext] = id;
            if (!r.IsDBNull(2)) links._byEmail.TryAdd(r.GetString(2), id);
        }, ct);
        // A merged record's id resolves to its survivor, when the survivor is live and in reach (with or without an
        // external id of its own).
        foreach (var (ext, survivor) in survivors)
            if (live.BinarySearch(survivor) >= 0) links._byExternal[ext] = survivor;
            else links._unreachable.Add(ext);
        return links;
    }

    /// <summary>
    /// The stored customer a row names, found as <see cref="Resolve"/> finds it; null when there is none. Nearly every
    /// row names a known customer: asked first, one lookup settles it (ADR-0030).
    /// </summary>
    public long? Known(ImportRow row)
    {
        if (row.Text("customerExternalId") is { } ext && _byExternal.TryGetValue(ext, out var id)) return id;
        if (row.Text("customerEmail") is { } email && _byEmail.TryGetValue(email, out id)) return id;
        return null;
    }

    /// <summary>The customer id for a row, or a rejection naming the column. New customers to create are collected in <paramref name="toCreate"/>.</summary>
    public long Resolve(ImportRun run, ImportRow row, Dictionary<string, long> toCreate, IdBlock ids)
    {
        var ext = row.Text("customerExternalId");
        if (ext is not null && _byExternal.TryGetValue(ext, out var id)) return id;
        var email = row.Text("customerEmail");
        if (email is not null && _byEmail.TryGetValue(email, out id)) return id;
        if (ext is not null && run.Options.CreateMissingCustomers && !_unreachable.Contains(ext))
        {
            if (!toCreate.TryGetValue(ext, out id))
            {
                id = ids.Next();
                toCreate[ext] = id;
            }
            return id;
        }
        run.UnknownCustomers++;
        if (ext is null && email is null)
            throw new RowRejected(run.Column("customerExternalId"), "The row names no customer: give customer_id (external id) or the customer's email.");
        if (ext is not null && _unreachable.Contains(ext))
            throw new RowRejected(run.Column("customerExternalId"), $"The customer with the external id '{ext}' is deleted or outside your reach.");
        throw new RowRejected(ext is not null ? run.Column("customerExternalId") : run.Column("customerEmail"),
            ext is not null ? $"No customer has the external id '{ext}'." : $"No customer has the email '{email}'.");
    }

    /// <summary>
    /// How a row names a customer that does not exist (and will not be created by this import), so the row can wait for
    /// it; null when the row's customer is known, out of reach, or to be created.
    /// </summary>
    public (string Kind, string Value)? Unknown(ImportRun run, ImportRow row)
    {
        var ext = row.Text("customerExternalId");
        var email = row.Text("customerEmail");
        if ((ext is not null && _byExternal.ContainsKey(ext)) || (email is not null && _byEmail.ContainsKey(email))) return null;
        if (ext is not null)
            return _unreachable.Contains(ext) || run.Options.CreateMissingCustomers ? null : (Behavior.EventReference.ExternalId, ext);
        return email is null ? null : (Behavior.EventReference.Email, email);
    }

    /// <summary>Creates the customers <see cref="Resolve"/> promised, named after their external id, so linked rows can be stored.</summary>
    public async Task CreateAsync(ImportRun run, Dictionary<string, long> toCreate, CancellationToken ct)
    {
        if (toCreate.Count == 0) return;
        var list = new List<Customer>(toCreate.Count);
        foreach (var (ext, id) in toCreate)
        {
            var c = new Customer { Id = id, ExternalId = ext, Name = ext, OwnerId = run.OwnerId, ImportJobId = run.Job.Id };
            c.StampCreated(run.Actor, run.Now);
            CustomerWriter.SetSearch(c, null);
            list.Add(c);
            _byExternal[ext] = id;
        }
        await new BulkInsert<Customer>(run.Db).InsertAsync(list, ct);
        run.CustomersCreated += list.Count;
        await Behavior.AttachPendingEvents.AttachAsync(run.Db, Behavior.EventReference.ExternalId, toCreate.Keys, ct);
    }

    public async Task<IdBlock> ReserveAsync(ImportRun run, int count, CancellationToken ct) =>
        run.Options.CreateMissingCustomers ? await new BulkInsert<Customer>(run.Db).ReserveIdsAsync(count, ct) : IdBlock.Empty;

    /// <summary>
    /// External ids to customer ids. Most systems number their customers, and every row of a linked file looks its
    /// customer up here (10 million events: 10 million lookups): an id written as a plain decimal number is kept under
    /// that number, found with one probe and no text to encode, hash or compare (ADR-0038); any other id is kept as
    /// text. A number has one such spelling, so an id still has exactly one entry.
    /// </summary>
    private sealed class ExternalIds
    {
        private readonly TextMap<long> _text = new();
        private readonly IdMap<long> _numbers = new();
        /// <summary>Odd, so multiplying by it gives every number its own key; random, so a file cannot be made to collide.</summary>
        private readonly ulong _spread = (ulong)Random.Shared.NextInt64() | 1;

        public bool TryGetValue(string ext, out long id) => Number(ext) is { } n ? _numbers.TryGetValue(n, out id) : _text.TryGetValue(ext, out id);

        public bool ContainsKey(string ext) => TryGetValue(ext, out _);

        public long this[string ext]
        {
            set
            {
                if (Number(ext) is { } n) _numbers.GetValueRefOrAddDefault(n, out _) = value;
                else _text[ext] = value;
            }
        }

        /// <summary>The key of an id spelt as a plain decimal number (digits only, no leading zero, at most 18); null for any other id.</summary>
        private long? Number(string ext)
        {
            if (ext.Length is 0 or > 18 || (ext[0] == '0' && ext.Length > 1)) return null;
            long n = 0;
            foreach (var c in ext)
            {
                if (c is < '0' or > '9') return null;
                n = n * 10 + (c - '0');
            }
            // Never 0, which IdMap keeps for an empty slot: n + 1 is below 2^63 and the multiplier is odd.
            return (long)((ulong)(n + 1) * _spread);
        }
    }
}
