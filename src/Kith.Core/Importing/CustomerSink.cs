using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kith.Core.Behavior;
using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.Duplicates;
using Kith.Core.Duplicates.Matching;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Importing;

/// <summary>
/// Stores customer rows. How a row finds the record it describes, in this order:
/// <list type="number">
/// <item>its kithId (written by this install's export) names a live customer in reach: the row updates it, as by
/// external id. A kithId of another install is ignored (the row matches by its other keys and the report counts it);
/// one of this install that names no live customer in reach, or whose customer has another external id than the
/// row, refuses the row (ADR-0052).</item>
/// <item>its external id names a stored customer: the row updates it (mapped, non-empty cells overwrite; tags are
/// added to the record's own, never taken away). An external
/// id that resolves through a merge updates the survivor by filling its empty fields only. The same external id twice
/// in one file is refused the second time (with the line of the first).</item>
/// <item>otherwise a key of <see cref="ImportOptions.MatchBy"/> (email, except a shared mailbox such as info@ under
/// another name; phone, counted only when the names agree, since a phone is shared by households and front desks)
/// names a record. When at most one of the two has an
/// external id they are one record: the row fills the record's empty fields (so a re-run changes nothing). When both
/// have different external ids, or the record came from an earlier row of the same file, the row is an exact
/// duplicate: merged, flagged as its own record, or skipped, as <see cref="ImportOptions.OnDuplicate"/> says.</item>
/// <item>otherwise a fuzzy match (similar name plus a shared signal) creates the row as its own record, flagged for review.</item>
/// <item>otherwise the row is a new customer.</item>
/// </list>
/// A merged row is kept whole as a hidden record pointing at the survivor (so its external id keeps resolving and
/// none of its values is lost), with a <see cref="CustomerMerge"/> like a merge made by hand, so it can be undone on
/// its own; reverting the import removes it. Only records in the importing user's reach are matched or changed.
/// </summary>
internal sealed class CustomerSink : IRowSink
{
    // The keys of a million customers are most of an import's memory: they are kept as UTF-8 in compact tables
    // (TextMap, IdMap), one entry per external id however many facts it carries (ADR-0022).
    // They are made in PrepareAsync for the records stored and those the file is expected to add (ADR-0032).
    private TextMap<ExternalId> _external = new();
    private TextMap<long> _byEmail = new();
    private TextMap<long> _byPhone = new();
    /// <summary>Each matchable record's name (a handle in <see cref="_nameText"/>), for a phone to count only with the same name.</summary>
    private IdMap<KnownRecord> _records = new();
    private readonly TextArena _nameText = new();
    private readonly HashSet<long> _touched = [];
    private DuplicateIndex _index = new();
    private ImportLookups _lookups = null!;
    private Privacy.ErasedSet? _erased;
    private Privacy.ErasedMatchAction _onErased;
    /// <summary>Whether this batch is written by prepared statements (ADR-0034) rather than saved through EF.</summary>
    private bool _raw;
    private readonly KithIdMatch _kithIds = new("customer");

    public IReadOnlyList<string[]> RequiredFieldSets { get; } = [["name"]];

    public async Task PrepareAsync(ImportRun run, CancellationToken ct)
    {
        var db = run.Db;
        var jobId = run.Job.Id;
        _lookups = await ImportLookups.LoadAsync(db, ct);
        await _kithIds.PrepareAsync(db, ct);
        if (run.ErasedPeople is { } erased)
        {
            _erased = await erased.LoadAsync(db, ct);
            _onErased = (await new Privacy.PrivacySettings(db).GetAsync(ct)).OnErasedMatch;
        }
        // A resumed job already recorded the first state of the records it touched.
        foreach (var id in await db.ImportChanges.Where(c => c.ImportJobId == jobId && c.EntityType == ChangeLog.CustomerEntity).Select(c => c.EntityId).ToListAsync(ct))
            _touched.Add(id);
        var stored = 0L;
        await Sql.ReadAsync(db, "SELECT COUNT(*) FROM customers", r => stored = r.GetInt64(0), ct);
        var capacity = (int)Math.Min(int.MaxValue / 8, stored + ExpectedRows(run.Job));
        _external = new TextMap<ExternalId>(capacity);
        _byEmail = new TextMap<long>(capacity);
        _byPhone = new TextMap<long>(capacity);
        _records = new IdMap<KnownRecord>(capacity);
        _index = new DuplicateIndex(capacity: capacity);
        var owners = run.Scope.OwnerIds;
        var merged = new List<(string Ext, long Survivor)>();
        var live = new List<long>();   // in id order, as read
        await Sql.ReadAsync(db, "SELECT id, external_id, email, phone, name, owner_id, deleted_at, merged_into_id, import_job_id, city, company_id FROM customers ORDER BY id", r =>
        {
            var id = r.GetInt64(0);
            var ext = r.IsDBNull(1) ? null : r.GetString(1);
            var inReach = owners is null || owners.Contains(r.GetInt64(5));
            var deleted = !r.IsDBNull(6);
            var ofThisJob = !r.IsDBNull(8) && r.GetInt64(8) == jobId;
            // A resumed job met these external ids on lines it committed before.
            if (ext is not null && (ofThisJob || _touched.Contains(id))) Remember(ext, 0);
            if (ext is not null)
            {
                if (!r.IsDBNull(7)) merged.Add((ext, r.GetInt64(7)));
                else if (!deleted && inReach) Link(ext, id, merged: false);
                else _external.GetValueRefOrAddDefault(ext, out _).Blocked = true;
            }
            if (deleted || !inReach) return;
            live.Add(id);
            var email = r.IsDBNull(2) ? null : r.GetString(2);
            var phone = SensitiveFields.SealedReads.OpenSealed(db, r.IsDBNull(3) ? null : r.GetString(3), SensitiveFields.SealableFields.Phone, id);
            var name = r.GetString(4);
            Name(id, name, createdByThisJob: ofThisJob);
            if (email is not null) _byEmail.TryAdd(email, id);
            if (phone is not null) _byPhone.TryAdd(phone, id);
            var company = r.IsDBNull(10) ? null : _lookups.CompanyName(r.GetInt64(10));
            _index.Add(new PersonKey(id, name, email, phone, company, r.IsDBNull(9) ? null : r.GetString(9)));
        }, ct);
        // A merged record's external id names its survivor, when the survivor is live and in reach.
        foreach (var (ext, survivor) in merged)
            if (live.BinarySearch(survivor) >= 0) Link(ext, survivor, merged: true);
            else _external.GetValueRefOrAddDefault(ext, out _).Blocked = true;
    }

    /// <summary>
    /// About how many rows a file holds, to size the import's keys once: a customer row of a text file is seldom
    /// shorter than 64 bytes (gen_data.py's are 84), so the keys get a little more room than they need; a file of
    /// shorter rows, or a spreadsheet (compressed: its size says nothing), grows its keys as they fill, as before.
    /// </summary>
    internal static long ExpectedRows(ImportJob job) =>
        job.StoredPath.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase) ? 0 : Math.Clamp(job.FileBytes / 64, 0, 50_000_000);

    public string? CommittedField(ImportRun run) => KithIdMatch.CommittedField(run);

    public void RememberCommitted(int line, string cell) => _kithIds.RememberCommitted(line, cell, id => _records.TryGetValue(id, out _));

    public void PrepareRow(ImportRow row)
    {
        var text = Search.SearchGrams.Text(row.Text("name") ?? "", row.Text("email"), Search.SearchGrams.PhoneDigits(row.Text("phone")), row.Text("company"));
        row.Search = (text, Search.SearchGrams.Tokens(text));
    }

    public async Task WriteAsync(ImportRun run, IReadOnlyList<ImportRow> rows, CancellationToken ct)
    {
        var db = run.Db;
        var bulk = new BulkInsert<Customer>(db);
        // At most one new record per row: the customer, or the hidden record of a merged row.
        var ids = await bulk.ReserveIdsAsync(rows.Count, ct);
        var now = run.Now;

        await _lookups.EnsureAsync(run, rows, ct);
        var sealing = SensitiveFields.CustomerSealing.Of(db);
        var sensitive = sealing is null ? SensitiveFields.SensitiveSet.None : await SensitiveFields.SensitiveSet.LoadAsync(db, ct);
        // On SQLite, with no field sealed or being converted, the batch is written by prepared statements, not by
        // change tracking (ADR-0034); otherwise EF saves the changes to stored records, sealing them as it does.
        _raw = db.Provider == DatabaseProvider.Sqlite && sensitive.IsEmpty;
        var writes = new BatchWrites();
        // Every stored record a row of this batch may touch, loaded once (tracked, when EF saves them).
        var candidates = new HashSet<long>();
        foreach (var row in rows)
        {
            if (_kithIds.Own(row) is { } k) candidates.Add(k);
            if (row.Text("externalId") is { } e && _external.TryGetValue(e, out var hit) && hit.Linked) candidates.Add(hit.Id);
            if (row.Text("email") is { } m && _byEmail.TryGetValue(m, out var byEmail)) candidates.Add(byEmail);
            if (row.Text("phone") is { } p && _byPhone.TryGetValue(p, out var byPhone)) candidates.Add(byPhone);
        }
        var stored = new Dictionary<long, Customer>();
        var customers = _raw ? db.Customers.AsNoTracking() : db.Customers;
        foreach (var chunk in candidates.Chunk(1000))
            foreach (var c in await customers.Include(c => c.Tags).Where(c => chunk.Contains(c.Id)).ToListAsync(ct))
                stored[c.Id] = c;
        var before = new Dictionary<long, Dictionary<string, string?>>();
        // Sized for the batch, so they are not grown through large-object allocations (as in LinkedSink).
        var created = new List<Customer>(rows.Count);
        var pending = new Dictionary<long, Customer>(rows.Count);
        var pairs = new List<DuplicatePair>();

        foreach (var row in rows)
        {
            try
            {
                var ext = row.Text("externalId");
                var name = row.Text("name") ?? "";
                var email = row.Text("email");
                var phone = row.Text("phone");
                var erasedMatch = _erased?.Match(email, phone, ext);
                if (erasedMatch is not null && _onErased == Privacy.ErasedMatchAction.Reject)
                    throw new RowRejected(run.Column(erasedMatch), $"This {Privacy.ErasedPeople.Describe(erasedMatch)} belongs to a person who was erased at their request; the row was not imported.");
                Customer? target = null;
                var overwrite = false;
                var duplicate = false;
                var known = ext is null ? default : _external.TryGetValue(ext, out var k) ? k : default;
                if (known.Seen)
                {
                    var firstLine = known.Line;
                    throw new RowRejected(run.Column("externalId"), firstLine > 0
                        ? $"The external id '{ext}' appears again; it was first on line {firstLine}."
                        : $"The external id '{ext}' appears again; it was first on an earlier line of this file.");
                }
                if (known.Blocked)
                    throw new RowRejected(run.Column("externalId"), $"Another customer has the external id '{ext}' (deleted, or outside your reach).");
                if (_kithIds.Target(run, row, id => _records.TryGetValue(id, out _)) is { } kid)
                {
                    target = Find(kid, stored, pending);
                    overwrite = true;
                    KithIdMatch.EnsureSameExternalId(run, row, "customer", target?.ExternalId, ext);
                    if (known.Linked && (known.Merged || known.Id != kid)) throw KithIdMatch.ExternalIdOfAnother(run, row, "customer", ext!);
                    if (target is not null && run.Options.Mode == ImportMode.Create)
                        throw new RowRejected(run.Column("kithId"), $"The customer with the Kith id '{row.Text("kithId")}' exists (mode create).");
                }
                else if (known.Linked && run.Options.MatchBy.Contains("externalId"))
                {
                    target = Find(known.Id, stored, pending);
                    overwrite = !known.Merged;
                    if (target is not null && run.Options.Mode == ImportMode.Create)
                        throw new RowRejected(run.Column("externalId"), $"A customer with the external id '{ext}' exists (mode create).");
                }
                string? matchedBy = null;
                if (target is null)
                {
                    foreach (var key in run.Options.MatchBy)
                    {
                        if (key == "email" && email is not null && _byEmail.TryGetValue(email, out var e) && Find(e, stored, pending) is { } byMail
                            && SameEmailSamePerson(name, email, byMail)) { target = byMail; matchedBy = "same email"; }
                        else if (key == "phone" && phone is not null && _byPhone.TryGetValue(phone, out var p) && _records.TryGetValue(p, out var r)
                                 && NameSimilarity.Normalise(_nameText.GetString(r.Name)) == NameSimilarity.Normalise(name)) { target = Find(p, stored, pending); matchedBy = "same phone and name"; }
                        if (target is not null) break;
                    }
                    if (target is not null)
                    {
                        var sameFile = pending.ContainsKey(target.Id) || CreatedByThisJob(target.Id);
                        duplicate = sameFile || (ext is not null && target.ExternalId is not null && target.ExternalId != ext);
                        if (!duplicate && run.Options.Mode == ImportMode.Create)
                            throw new RowRejected(run.Column(matchedBy == "same email" ? "email" : "phone"), $"A customer with this {(matchedBy == "same email" ? "email" : "phone")} exists (mode create).");
                    }
                }
                // Matching without the external id, a row still cannot give a second record an external id one holds.
                if (known.Linked && !run.Options.MatchBy.Contains("externalId") && (known.Merged || known.Id != target?.Id))
                    throw new RowRejected(run.Column("externalId"), $"Another customer has the external id '{ext}'; match by externalId to update it.");
                if (target is not null && duplicate)
                {
                    switch (run.Options.OnDuplicate)
                    {
                        case DuplicateAction.Skip:
                            run.Job.Skipped++;
                            Remember(ext, row.Line);
                            continue;
                        case DuplicateAction.Flag:
                            var own = Create(run, row, ids.Next(), now, created, pending);
                            pairs.Add(Pair(run, own.Id, target.Id, true, 1.0, matchedBy ?? "same person"));
                            run.Job.Flagged++;
                            Remember(ext, row.Line);
                            continue;
                        default:
                            Merge(run, row, target, ids.Next(), now, created, before, pending, writes);
                            run.Job.Merged++;
                            Remember(ext, row.Line);
                            continue;
                    }
                }
                if (target is not null)
                {
                    if (run.Options.Mode == ImportMode.Create)
                        throw new RowRejected(run.Column("externalId"), "This row matches a stored customer (mode create).");
                    var changed = ApplyChecked(run, target, row, overwrite, skipExternalId: false, ImportChangeAction.Updated, before, pending, writes);
                    if (changed) run.Job.Updated++; else run.Job.Unchanged++;
                    if (row.Flagged || erasedMatch is not null) run.Job.Flagged++;
                    Remember(ext, row.Line);
                    continue;
                }
                if (run.Options.Mode == ImportMode.Update)
                    throw new RowRejected(run.Column("externalId"), "No stored customer matches this row by " + string.Join(", ", run.Options.MatchBy) + " (mode update).");
                var fuzzy = _index.Find(new PersonKey(0, name, email, phone, row.Text("company"), row.Text("city")));
                var customer = Create(run, row, ids.Next(), now, created, pending);
                if (fuzzy is not null)
                {
                    pairs.Add(Pair(run, customer.Id, fuzzy.OtherId, fuzzy.Kind == MatchKind.Exact, fuzzy.Score, string.Join("; ", fuzzy.Reasons)));
                    run.Job.Flagged++;
                }
                else if (row.Flagged || erasedMatch is not null) run.Job.Flagged++;
                Remember(ext, row.Line);
            }
            catch (RowRejected e)
            {
                run.Reject(row, e.Column, e.Message);
            }
        }

        // New records are not tracked: their tags (set at creation, or added by a later row merged into them) go in
        // here, and on the raw path those of the stored records the batch changed (tags are only ever added).
        IEnumerable<Customer> tagged = _raw ? created.Concat(writes.Updated.Values) : created;
        var customerTags = tagged.SelectMany(c => c.Tags.Select(t => t.Id).Distinct().Select(t => (Customer: c.Id, Tag: t))).ToList();
        // Bulk inserts bypass the save that seals sensitive values; the ids are known here, so they are sealed now.
        var restore = sensitive.IsEmpty ? [] : created.Select(c => sealing!.SealDetached(c, sensitive)).ToList();
        await bulk.InsertAsync(created, ct);
        foreach (var undo in restore) undo();
        if (_raw) bulk.UpdateSqlite(writes.Updated.Values.OrderBy(c => c.Id).ToList());
        foreach (var chunk in customerTags.Chunk(400))
            await Sql.ExecAsync(db, "INSERT INTO customer_tags (customer_id, tag_id) VALUES " +
                string.Join(", ", chunk.Select(t => $"({t.Customer}, {t.Tag})")) + " ON CONFLICT DO NOTHING", ct);
        writes.Pairs.AddRange(pairs.Where(p => p.CustomerId != p.OtherCustomerId).DistinctBy(p => (p.CustomerId, p.OtherCustomerId)));
        if (_raw) await writes.InsertAsync(db, ct);
        else writes.Track(db);
        // Every change of the batch is made: it is detected once, not again each time an interceptor (sealing, audit)
        // or the save itself asks for the tracked entries (four passes over every tracked record, ADR-0032). On the
        // raw path only the job's counts are left to save, in the same transaction.
        db.ChangeTracker.DetectChanges();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = true;
        }
        // All of it is stored, the job's counts too: only the job stays tracked, so the runner's save of the job's
        // progress does not pass over the batch's records again.
        db.ChangeTracker.Clear();
        db.Attach(run.Job);
        // Events that arrived before their customer move onto it with the batch that creates (or names) it.
        var named = created.Concat(stored.Values).ToList();
        await AttachPendingEvents.AttachAsync(db, EventReference.ExternalId, named.Select(c => c.ExternalId).OfType<string>(), ct);
        await AttachPendingEvents.AttachAsync(db, EventReference.Email, named.Where(c => c.MergedIntoId is null).Select(c => c.Email).OfType<string>(), ct);
    }

    /// <summary>
    /// An email is one person's, except a role or placeholder mailbox (info@, sales@, none@), which counts only with
    /// the same name: the rule the duplicate finder applies (<see cref="DuplicateRules"/>).
    /// </summary>
    private static bool SameEmailSamePerson(string name, string email, Customer stored) =>
        DuplicateRules.Compare(new PersonKey(0, name, email, null), new PersonKey(stored.Id, stored.Name, stored.Email, null)) is { Kind: MatchKind.Exact };

    private static Customer? Find(long id, Dictionary<long, Customer> stored, Dictionary<long, Customer> pending) =>
        pending.TryGetValue(id, out var p) ? p : stored.GetValueOrDefault(id);

    /// <summary>Notes the line an external id was first met on in this job (0: a line a resumed job committed before).</summary>
    private void Remember(string? ext, int line)
    {
        if (ext is null) return;
        ref var e = ref _external.GetValueRefOrAddDefault(ext, out _);
        if (e.Seen) return;
        e.Seen = true;
        e.Line = line;
    }

    /// <summary>Points an external id at the record it names (for a merged record's id: the survivor).</summary>
    private void Link(string ext, long id, bool merged)
    {
        ref var e = ref _external.GetValueRefOrAddDefault(ext, out _);
        e.Id = id;
        e.Linked = true;
        e.Merged = merged;
    }

    private void Name(long id, string name, bool createdByThisJob = false)
    {
        ref var r = ref _records.GetValueRefOrAddDefault(id, out var exists);
        if (!exists || _nameText.GetString(r.Name) != name) r.Name = _nameText.Add(name);
        r.CreatedByThisJob |= createdByThisJob;
    }

    private bool CreatedByThisJob(long id) => _records.TryGetValue(id, out var r) && r.CreatedByThisJob;

    /// <summary>What the import knows of an external id: the record it names, whether it was met already in this job, or is barred.</summary>
    private struct ExternalId
    {
        public long Id;
        /// <summary>The line of the file it was first met on (when <see cref="Seen"/>).</summary>
        public int Line;
        /// <summary>It names a live record in reach (<see cref="Id"/>), through a merge when <see cref="Merged"/>.</summary>
        public bool Linked;
        public bool Merged;
        /// <summary>A deleted record, or one outside the importing user's reach, holds it.</summary>
        public bool Blocked;
        public bool Seen;
    }

    private struct KnownRecord
    {
        public int Name;
        public bool CreatedByThisJob;
    }

    private static DuplicatePair Pair(ImportRun run, long a, long b, bool exact, double score, string reasons) => new()
    {
        CustomerId = Math.Min(a, b), OtherCustomerId = Math.Max(a, b), IsExact = exact, Score = Math.Round(score, 3),
        Reasons = reasons.Length > 500 ? reasons[..500] : reasons, Status = DuplicateStatus.Open, FoundAt = run.Now, ImportJobId = run.Job.Id,
    };

    /// <summary>
    /// Merges a row into the record it duplicates: the record's empty fields take the row's values, and the row is kept
    /// whole as a hidden record pointing at it, like a merge made by hand (history on both, a <see cref="CustomerMerge"/>).
    /// </summary>
    private void Merge(ImportRun run, ImportRow row, Customer target, long id, DateTime now, List<Customer> created,
        Dictionary<long, Dictionary<string, string?>> before, Dictionary<long, Customer> pending, BatchWrites writes)
    {
        // The hidden record first: a row it refuses (an unknown owner, say) must leave the survivor untouched.
        var merged = new Customer { Stage = LifecycleStage.Lead, ImportJobId = run.Job.Id };
        Apply(run, merged, row, overwrite: true, skipExternalId: false, hidden: true);
        if (merged.Name.Length == 0) merged.Name = target.Name;
        var survivorBefore = SurvivorState.Of(target);
        ApplyChecked(run, target, row, overwrite: false, skipExternalId: true, ImportChangeAction.Merged, before, pending, writes);
        merged.Id = id;
        merged.OwnerId = target.OwnerId;
        merged.DeletedAt = now;
        merged.MergedIntoId = target.Id;
        merged.StampCreated(run.Actor, now);
        created.Add(merged);
        if (merged.ExternalId is { } ext) Link(ext, target.Id, merged: true);
        writes.Merges.Add(new CustomerMerge
        {
            SurvivorId = target.Id, MergedId = merged.Id, SurvivorBefore = survivorBefore.Write(), Moved = new MergedRecords().Write(),
            ImportJobId = run.Job.Id, MergedByKind = run.Actor.Kind, MergedByUserId = run.Actor.UserId, MergedAt = now,
        });
        var set = Guid.NewGuid();
        writes.History.Add(ChangeLog.Row(ChangeLog.CustomerEntity, target.Id, ChangeAction.Merged, "mergedFrom", null, MergeHistory.Describe(merged), run.Actor, now, set));
        writes.History.Add(ChangeLog.Row(ChangeLog.CustomerEntity, merged.Id, ChangeAction.Merged, "mergedInto", null, MergeHistory.Describe(target), run.Actor, now, set));
    }

    /// <summary>
    /// Applies a row to a record and reports whether anything changed. A stored record's first state in this job is
    /// kept for reverting, and each change is written to its history like any other edit.
    /// </summary>
    private bool ApplyChecked(ImportRun run, Customer target, ImportRow row, bool overwrite, bool skipExternalId, ImportChangeAction action,
        Dictionary<long, Dictionary<string, string?>> before, Dictionary<long, Customer> pending, BatchWrites writes)
    {
        var probe = CustomerImportState.Capture(target);
        var snapshot = pending.ContainsKey(target.Id) ? null : CustomerWriter.Snapshot(target);
        Apply(run, target, row, overwrite, skipExternalId);
        if (CustomerImportState.Capture(target) == probe) return false;
        if (snapshot is null) return true;
        writes.Updated[target.Id] = target;
        if (!CreatedByThisJob(target.Id) && _touched.Add(target.Id))
            writes.ImportChanges.Add(new ImportChange
            {
                ImportJobId = run.Job.Id, EntityType = ChangeLog.CustomerEntity, EntityId = target.Id,
                Action = action, Before = probe,
            });
        var after = CustomerWriter.Snapshot(target);
        // An import's changes get no audit entry each (ChangeLog.Updated adds none for an import either).
        writes.History.AddRange(ChangeLog.UpdatedRows(ChangeLog.CustomerEntity, target.Id, before.GetValueOrDefault(target.Id) ?? snapshot, after, run.Actor, run.Now));
        before[target.Id] = after;
        target.StampUpdated(run.Actor, run.Now);
        target.Version++;
        // Later rows find the record by its new values too.
        Name(target.Id, target.Name);
        _index.Add(new PersonKey(target.Id, target.Name, target.Email, target.Phone, row.Text("company"), target.City));
        return true;
    }

    private Customer Create(ImportRun run, ImportRow row, long id, DateTime now, List<Customer> created, Dictionary<long, Customer> pending)
    {
        var c = new Customer { OwnerId = run.OwnerId, Stage = LifecycleStage.Lead, ImportJobId = run.Job.Id };
        Apply(run, c, row, overwrite: true, skipExternalId: false);
        if (c.Name.Length == 0) throw new RowRejected(run.Column("name"), "A customer needs a name.");
        c.Id = id;
        c.StampCreated(run.Actor, now);
        created.Add(c);
        run.Job.Created++;
        pending[id] = c;
        Name(id, c.Name, createdByThisJob: true);
        if (c.Email is not null) _byEmail.TryAdd(c.Email, id);
        if (c.Phone is not null) _byPhone.TryAdd(c.Phone, id);
        if (c.ExternalId is not null) Link(c.ExternalId, id, merged: false);
        _index.Add(new PersonKey(id, c.Name, c.Email, c.Phone, row.Text("company"), c.City));
        return c;
    }

    /// <summary>
    /// Sets the row's values on a customer: every mapped value when overwriting, else only where the customer has none.
    /// Everything that can refuse the row is checked before the first field changes, so a refused row leaves a
    /// stored record as it was. A new record (id 0) is matched by its keys once it is created; a hidden one never.
    /// </summary>
    private void Apply(ImportRun run, Customer c, ImportRow row, bool overwrite, bool skipExternalId, bool hidden = false)
    {
        var isNew = c.CreatedAt == default;
        long? ownerId = null;
        if (!hidden && row.Text("owner") is { } owner && (overwrite || isNew))
        {
            ownerId = _lookups.User(owner) ?? throw new RowRejected(run.Column("owner"), $"There is no active user with the email '{owner}'.");
            if (!run.Scope.Policy.CanAssign && ownerId != (isNew ? run.OwnerId : c.OwnerId))
                throw new RowRejected(run.Column("owner"), "Your role may not assign records to another owner.");
        }
        if (row.Long("age") is { } age && age is < 0 or > 150) throw new RowRejected(run.Column("age"), $"An age is between 0 and 150, not {age}.");

        string? Pick(string key, string? current) => row.Text(key) is { } v && (overwrite || current is null) ? v : current;
        var register = c.Id != 0 && !hidden;
        if (row.Text("name") is { Length: > 0 } name && (overwrite || c.Name.Length == 0)) c.Name = name;
        if (!skipExternalId) c.ExternalId = Pick("externalId", c.ExternalId);
        var oldEmail = c.Email;
        c.Email = Pick("email", c.Email);
        if (register && c.Email != oldEmail && c.Email is not null) _byEmail.TryAdd(c.Email, c.Id);
        if (row.Text("phone") is { } phone && (overwrite || c.Phone is null))
        {
            c.Phone = phone;
            c.PhoneIsValid = !row.Has(ImportRow.PhoneKeptAsTyped);
            if (register) _byPhone.TryAdd(phone, c.Id);
        }
        if (row.Value<DateOnly>("birthDate") is { } birth && (overwrite || c.BirthDate is null))
        {
            c.BirthDate = birth;
            c.Age = CustomerWriter.AgeOn(birth, DateOnly.FromDateTime(run.Now));
        }
        if (row.Long("age") is { } years && c.BirthDate is null && (overwrite || c.Age is null)) c.Age = (int)years;
        if (row.Text("gender") is { } g && (overwrite || c.Gender is null)) c.Gender = Enum.Parse<Gender>(g, ignoreCase: true);
        c.City = Pick("city", c.City);
        c.Address = Pick("address", c.Address);
        c.Source = Pick("source", c.Source);
        if (row.Text("stage") is { } s && (overwrite || isNew)) c.Stage = Enum.Parse<LifecycleStage>(s, ignoreCase: true);
        if (row.Value<DateOnly>("signupDate") is { } signup && (overwrite || c.SignupDate is null)) c.SignupDate = signup;
        string? companyName = null;
        if (row.Text("company") is { } company && (overwrite || c.CompanyId is null))
        {
            c.CompanyId = _lookups.Company(run, company);
            companyName = company;
        }
        else if (c.CompanyId is { } cid) companyName = _lookups.CompanyName(cid);
        if (ownerId is { } newOwner) c.OwnerId = newOwner;
        if (row.List("tags") is { Length: > 0 } tags)
        {
            var resolved = tags.Select(t => _lookups.Tag(run, t)).DistinctBy(t => t.Id).ToList();
            // Tags are only ever added: a record's tags are its own and those of the rows merged into it, so a tag
            // given by the UI or by a merged row survives the next run of the same file.
            if (isNew) c.Tags = resolved;
            else
                foreach (var t in resolved.Where(t => c.Tags.All(x => x.Id != t.Id)))
                    c.Tags.Add(_raw ? t : run.Db.Tags.Local.FirstOrDefault(x => x.Id == t.Id) ?? Attach(run, t));
        }
        var custom = row.Values.Where(v => v.Key.StartsWith("customFields.", StringComparison.Ordinal) && v.Value is not null).ToList();
        if (custom.Count > 0)
        {
            var obj = JsonNode.Parse(c.CustomFields) as JsonObject ?? [];
            foreach (var (key, value) in custom)
            {
                var k = key["customFields.".Length..];
                if (!overwrite && obj[k] is not null) continue;
                obj[k] = value switch
                {
                    string str => JsonValue.Create(str),
                    long l => JsonValue.Create(l),
                    decimal d => JsonValue.Create(d),
                    DateOnly d => JsonValue.Create(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
                };
            }
            c.CustomFields = obj.ToJsonString();
        }
        // A new record made from this row alone has the search fields worked out ahead, in parallel (PrepareRow).
        if (overwrite && c.CreatedAt == default && row.Search is { } search && companyName == row.Text("company"))
            (c.SearchText, c.SearchGrams) = search;
        else CustomerWriter.SetSearch(c, companyName);
    }

    private static Tags.Tag Attach(ImportRun run, Tags.Tag tag)
    {
        var t = new Tags.Tag { Id = tag.Id, Name = tag.Name, NormalizedName = tag.NormalizedName };
        run.Db.Tags.Attach(t);
        return t;
    }
}

/// <summary>The stored state of a customer as JSON, to restore it exactly when an import is reverted.</summary>
internal static class CustomerImportState
{
    public sealed record State(string Name, string? ExternalId, string? Email, string? Phone, bool PhoneIsValid, DateOnly? BirthDate, int? Age,
        Gender? Gender, string? City, string? Address, long? CompanyId, long OwnerId, LifecycleStage Stage, string? Source, DateOnly? SignupDate,
        string CustomFields, long[] TagIds);

    public static string Capture(Customer c) => JsonSerializer.Serialize(new State(c.Name, c.ExternalId, c.Email, c.Phone, c.PhoneIsValid,
        c.BirthDate, c.Age, c.Gender, c.City, c.Address, c.CompanyId, c.OwnerId, c.Stage, c.Source, c.SignupDate, c.CustomFields,
        c.Tags.Select(t => t.Id).Order().ToArray()));

    public static State Read(string json) => JsonSerializer.Deserialize<State>(json)!;
}
