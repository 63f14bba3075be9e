using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kith.Core.Audit;
using Kith.Core.Customers;
using Kith.Core.CustomFields;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Duplicates;

/// <summary>Whose value a field keeps after a merge: the survivor's own, or the merged (other) record's.</summary>
public enum MergeSide { Survivor, Other }

/// <summary>
/// What to merge into the survivor: the other customer's id, and for each field whose value should come from the
/// other record, <c>"other"</c> (or <c>"survivor"</c> to say so explicitly). Keys are the API names <c>name, email,
/// phone, birthDate</c> (with <c>age</c>, which moves with it), <c>gender, city, address, company, stage, source,
/// signupDate</c> and <c>customFields.key</c>. A field not named keeps the survivor's value, or takes the other's when
/// the survivor has none. Tags are always united; the owner and each record's external id stay as they are. A field
/// the merging user's role may not change (read-only or hidden) cannot be named and keeps the survivor's stored value,
/// even an empty one: the other's stays on the merged record, and undoing the merge brings it back.
/// </summary>
public sealed class MergeInput
{
    public long MergeId { get; set; }
    public Dictionary<string, string?> Fields { get; set; } = [];
}

/// <summary>
/// One field of the side-by-side view: both values as text, whether they differ, and the side kept by default.
/// <see cref="Locked"/>: the viewer's role may not change the field, so the merge keeps the survivor's value.
/// </summary>
public sealed record MergeField(string Key, string? SurvivorText, string? OtherText, bool Differs, MergeSide DefaultSide, bool Locked = false);

/// <summary>The merge just made (its id undoes it) and the survivor as it is now.</summary>
public sealed record MergeOutcome(long MergeId, CustomerDetail Survivor);

/// <summary>
/// Merges one customer into another. In one transaction: the chosen field values and the union of the tags go to
/// the survivor; the other's purchases, communications and behaviour events move to it; earlier merges into the
/// other now point at the survivor; their duplicate pairs are resolved; the other stays as a hidden record (deleted,
/// <see cref="Customer.MergedIntoId"/> set) so its external id keeps resolving; both histories say so; and a
/// <see cref="CustomerMerge"/> keeps what is needed for <see cref="UndoMerge"/>.
/// </summary>
public sealed class MergeCustomers(KithDb db, CustomerQueries queries, TimeProvider clock)
{
    /// <summary>The fields a merge chooses between, besides custom fields.</summary>
    public static readonly IReadOnlyList<string> FieldKeys =
        ["name", "email", "phone", "birthDate", "gender", "city", "address", "company", "stage", "source", "signupDate"];

    private const int IdsPerStatement = 1_000;

    public async Task<MergeOutcome> HandleAsync(long survivorId, MergeInput input, int? expectedVersion, AccessScope scope, ActorKind via,
        CancellationToken ct, long? importJobId = null)
    {
        if (input.MergeId <= 0) throw RuleViolation.Field("mergeId", "Name the customer to merge into this one (mergeId).");
        if (input.MergeId == survivorId) throw RuleViolation.Field("mergeId", "A customer cannot be merged into itself.");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var survivor = await scope.Visible(db.Customers).Include(c => c.Tags).FirstOrDefaultAsync(c => c.Id == survivorId, ct)
                       ?? throw new NotFound("Customer");
        var other = await scope.Visible(db.Customers).Include(c => c.Tags).FirstOrDefaultAsync(c => c.Id == input.MergeId, ct)
                    ?? throw new NotFound("Customer to merge");
        scope.EnsureCanEdit();
        scope.EnsureCanDelete();
        RecordSaving.EnsureVersion(survivor.Version, expectedVersion, "Customer");
        var choices = ReadChoices(input.Fields, RawValues(survivor), RawValues(other), scope.Fields);

        var actor = scope.Actor(via) with { Detail = importJobId?.ToString(CultureInfo.InvariantCulture) };
        var now = clock.GetUtcNow().UtcDateTime;
        var before = SurvivorState.Of(survivor);
        var snapshot = CustomerWriter.Snapshot(survivor);

        Apply(survivor, other, choices);
        foreach (var tag in other.Tags.Where(t => !survivor.Tags.Contains(t))) survivor.Tags.Add(tag);
        var companyName = survivor.CompanyId is { } companyId
            ? await db.Companies.AsNoTracking().Where(c => c.Id == companyId).Select(c => c.Name).FirstOrDefaultAsync(ct)
            : null;
        CustomerWriter.SetSearch(survivor, companyName);

        await Kith.Core.Behavior.BehaviorRollup.MarkStaleAsync(db, [survivor.Id, other.Id], ct);
        var moved = new MergedRecords
        {
            Purchases = await MoveAsync(db.Purchases, p => p.CustomerId == other.Id, p => p.Id, (ids, q) => q.Where(p => ids.Contains(p.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.CustomerId, survivor.Id), ct), ct),
            Communications = await MoveAsync(db.Communications, c => c.CustomerId == other.Id, c => c.Id, (ids, q) => q.Where(c => ids.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.CustomerId, survivor.Id), ct), ct),
            Events = await MoveAsync(db.BehaviorEvents, e => e.CustomerId == other.Id, e => e.Id, (ids, q) => q.Where(e => ids.Contains(e.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.CustomerId, survivor.Id), ct), ct),
            Tasks = await MoveAsync(db.Tasks, t => t.CustomerId == other.Id, t => t.Id, (ids, q) => q.Where(t => ids.Contains(t.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.CustomerId, survivor.Id), ct), ct),
            Cases = await MoveAsync(db.Cases, c => c.CustomerId == other.Id, c => c.Id, (ids, q) => q.Where(c => ids.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.CustomerId, survivor.Id), ct), ct),
            Feedback = await MoveAsync(db.Feedback, f => f.CustomerId == other.Id, f => f.Id, (ids, q) => q.Where(f => ids.Contains(f.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.CustomerId, survivor.Id), ct), ct),
            Surveys = await MoveAsync(db.FeedbackSurveys, v => v.CustomerId == other.Id, v => v.Id, (ids, q) => q.Where(v => ids.Contains(v.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.CustomerId, survivor.Id), ct), ct),
            // The merged customer as a participant of communications on other timelines: it is the survivor now.
            Participants = await MoveAsync(db.CommunicationParticipants, p => p.CustomerId == other.Id, p => p.Id, (ids, q) => q.Where(p => ids.Contains(p.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.CustomerId, survivor.Id), ct), ct),
            // Records merged into the one now merged away: their external ids must resolve to the survivor too.
            Tombstones = await MoveAsync(db.Customers, c => c.MergedIntoId == other.Id, c => c.Id, (ids, q) => q.Where(c => ids.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.MergedIntoId, survivor.Id), ct), ct),
            Pairs = await ResolvePairsAsync(survivor.Id, other.Id, scope.UserId, now, ct),
        };

        other.DeletedAt = now;
        other.MergedIntoId = survivor.Id;
        other.StampUpdated(actor, now);
        other.Version++;
        survivor.StampUpdated(actor, now);
        survivor.Version++;

        var set = Guid.NewGuid();
        MergeHistory.Add(db, survivor.Id, ChangeAction.Merged, "mergedFrom", null, MergeHistory.Describe(other), actor, now, set);
        MergeHistory.Fields(db, survivor.Id, ChangeAction.Merged, snapshot, CustomerWriter.Snapshot(survivor), actor, now, set);
        MergeHistory.Add(db, other.Id, ChangeAction.Merged, "mergedInto", null, MergeHistory.Describe(survivor), actor, now, set);

        var merge = new CustomerMerge
        {
            SurvivorId = survivor.Id, MergedId = other.Id, SurvivorBefore = before.Write(), Moved = moved.Write(),
            ImportJobId = importJobId, MergedByKind = actor.Kind, MergedByUserId = actor.UserId, MergedAt = now,
        };
        db.CustomerMerges.Add(merge);
        db.Audit(AuditActions.Merge, "customer", survivor.Id, new { mergedId = other.Id, importJobId }, db.AuditWho.As(actor), now);
        await RecordSaving.SaveAsync(db, "Customer", ct);
        await tx.CommitAsync(ct);
        var detail = await queries.DetailAsync(survivor.Id, includeDeleted: false, ct) ?? throw new NotFound("Customer");
        return new MergeOutcome(merge.Id, detail);
    }

    /// <summary>
    /// Every field of the two customers for the side-by-side view, in form order, leaving out those both lack.
    /// <see cref="MergeField.DefaultSide"/> is what a merge keeps when the field is not named in <see cref="MergeInput.Fields"/>.
    /// </summary>
    /// <param name="fields">The viewer's field access: hidden fields are left out, those they may not change are locked.</param>
    public static IReadOnlyList<MergeField> Compare(CustomerDetail survivor, CustomerDetail other, FieldAccess? fields = null)
    {
        fields ??= FieldAccess.Open;
        var a = RawValues(survivor);
        var b = RawValues(other);
        var list = new List<MergeField>();
        foreach (var key in FieldKeys.Concat(CustomKeys(a, b)))
        {
            a.TryGetValue(key, out var x);
            b.TryGetValue(key, out var y);
            if ((IsEmpty(x) && IsEmpty(y)) || fields.IsHidden(CustomFieldEntity.Customer, key)) continue;
            var locked = fields.IsReadOnly(CustomFieldEntity.Customer, key);
            list.Add(new MergeField(key, Text(survivor, key), Text(other, key), !string.Equals(x, y, StringComparison.Ordinal),
                locked ? MergeSide.Survivor : DefaultSide(x, y), locked));
        }
        return list;
    }

    private static MergeSide DefaultSide(string? survivor, string? other) =>
        IsEmpty(survivor) && !IsEmpty(other) ? MergeSide.Other : MergeSide.Survivor;

    private static bool IsEmpty(string? value) => string.IsNullOrEmpty(value);

    private static IEnumerable<string> CustomKeys(Dictionary<string, string?> a, Dictionary<string, string?> b) =>
        a.Keys.Concat(b.Keys).Where(k => k.StartsWith("customFields.", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal);

    /// <summary>Checks the requested choices and adds the default side for every other field.</summary>
    private static Dictionary<string, MergeSide> ReadChoices(Dictionary<string, string?>? requested, Dictionary<string, string?> survivor, Dictionary<string, string?> other,
        FieldAccess fields)
    {
        const CustomFieldEntity customer = CustomFieldEntity.Customer;
        var errors = new Dictionary<string, string[]>();
        var choices = new Dictionary<string, MergeSide>(StringComparer.Ordinal);
        var known = FieldKeys.Concat(CustomKeys(survivor, other)).ToHashSet(StringComparer.Ordinal);
        foreach (var (raw, value) in requested ?? [])
        {
            var name = "fields." + raw;
            var key = raw switch { "age" => "birthDate", "companyId" => "company", _ => raw };
            // A hidden field answers as one that does not exist; a read-only one as a PATCH naming it does.
            if (!known.Contains(key) || fields.IsHidden(customer, key))
            {
                errors[name] = [raw switch
                {
                    "externalId" => "Each record keeps its external id; the merged one's keeps resolving to the survivor.",
                    "tags" => "Tags are not chosen: the survivor gets the tags of both.",
                    "owner" or "ownerId" => "The survivor keeps its owner.",
                    _ when raw.StartsWith("customFields.", StringComparison.Ordinal) => "Neither customer has a value for this custom field.",
                    _ => $"'{raw}' is not a field a merge chooses; use one of: {string.Join(", ", FieldKeys.Where(k => !fields.IsHidden(customer, k)))}{(fields.IsHidden(customer, "age") ? "" : ", age")}, or customFields.key.",
                }];
                continue;
            }
            if (fields.IsReadOnly(customer, key))
            {
                errors[name] = ["Your role may read this field but not change it."];
                continue;
            }
            MergeSide? side = value?.Trim().ToLowerInvariant() switch { "survivor" => MergeSide.Survivor, "other" => MergeSide.Other, _ => null };
            if (side is not { } s)
            {
                errors[name] = ["Choose \"survivor\" or \"other\"."];
                continue;
            }
            if (choices.TryGetValue(key, out var earlier) && earlier != s)
            {
                errors[name] = ["The age moves with the birth date; choose the same side for both."];
                continue;
            }
            choices[key] = s;
        }
        if (errors.Count > 0) throw new RuleViolation("Some field choices of the merge are not valid.", errors);
        foreach (var key in known)
        {
            if (choices.ContainsKey(key)) continue;
            survivor.TryGetValue(key, out var x);
            other.TryGetValue(key, out var y);
            choices[key] = fields.IsReadOnly(customer, key) ? MergeSide.Survivor : DefaultSide(x, y);
        }
        return choices;
    }

    private static void Apply(Customer survivor, Customer other, Dictionary<string, MergeSide> choices)
    {
        bool Take(string key) => choices.TryGetValue(key, out var side) && side == MergeSide.Other;
        if (Take("name")) survivor.Name = other.Name;
        if (Take("email")) survivor.Email = other.Email;
        if (Take("phone"))
        {
            survivor.Phone = other.Phone;
            survivor.PhoneIsValid = other.PhoneIsValid;
        }
        if (Take("birthDate"))
        {
            survivor.BirthDate = other.BirthDate;
            survivor.Age = other.Age;
        }
        if (Take("gender")) survivor.Gender = other.Gender;
        if (Take("city")) survivor.City = other.City;
        if (Take("address")) survivor.Address = other.Address;
        if (Take("company")) survivor.CompanyId = other.CompanyId;
        if (Take("stage")) survivor.Stage = other.Stage;
        if (Take("source")) survivor.Source = other.Source;
        if (Take("signupDate")) survivor.SignupDate = other.SignupDate;

        var mine = CustomFieldDefinitions.Parse(survivor.CustomFields);
        var theirs = CustomFieldDefinitions.Parse(other.CustomFields);
        var changed = false;
        foreach (var (key, side) in choices)
        {
            if (side != MergeSide.Other || !key.StartsWith("customFields.", StringComparison.Ordinal)) continue;
            var field = key["customFields.".Length..];
            if (theirs.TryGetValue(field, out var value)) mine[field] = value;
            else mine.Remove(field);
            changed = true;
        }
        if (changed) survivor.CustomFields = JsonSerializer.Serialize(new SortedDictionary<string, JsonElement>(mine, StringComparer.Ordinal));
    }

    /// <summary>Values to compare by, keyed as in <see cref="MergeInput.Fields"/>: the same text for the entity and its detail.</summary>
    internal static Dictionary<string, string?> RawValues(Customer c) =>
        Raw(c.Name, c.Email, c.Phone, c.BirthDate, c.Age, c.Gender, c.City, c.Address, c.CompanyId, c.Stage, c.Source, c.SignupDate,
            CustomFieldDefinitions.Parse(c.CustomFields));

    private static Dictionary<string, string?> RawValues(CustomerDetail c) =>
        Raw(c.Name, c.Email, c.Phone, c.BirthDate, c.Age, c.Gender, c.City, c.Address, c.CompanyId, c.Stage, c.Source, c.SignupDate, c.CustomFields);

    private static Dictionary<string, string?> Raw(string name, string? email, string? phone, DateOnly? birthDate, int? age, Gender? gender,
        string? city, string? address, long? companyId, LifecycleStage stage, string? source, DateOnly? signupDate,
        IReadOnlyDictionary<string, JsonElement> custom)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["name"] = name, ["email"] = email, ["phone"] = phone,
            ["birthDate"] = birthDate is null && age is null ? null : $"{CustomerWriter.Date(birthDate)}|{age?.ToString(CultureInfo.InvariantCulture)}",
            ["gender"] = CustomerWriter.Enum(gender), ["city"] = city, ["address"] = address,
            ["company"] = companyId?.ToString(CultureInfo.InvariantCulture), ["stage"] = CustomerWriter.Enum(stage), ["source"] = source,
            ["signupDate"] = CustomerWriter.Date(signupDate),
        };
        foreach (var (key, value) in custom)
            values["customFields." + key] = value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : value.GetRawText();
        return values;
    }

    /// <summary>A value as a person reads it; stage and gender as their API names, for the page to translate.</summary>
    private static string? Text(CustomerDetail c, string key) => key switch
    {
        "name" => c.Name,
        "email" => c.Email,
        "phone" => c.Phone,
        "birthDate" => c.BirthDate is { } b ? $"{CustomerWriter.Date(b)} ({c.Age})" : c.Age?.ToString(CultureInfo.InvariantCulture),
        "gender" => CustomerWriter.Enum(c.Gender),
        "city" => c.City,
        "address" => c.Address,
        "company" => c.CompanyName ?? c.CompanyId?.ToString(CultureInfo.InvariantCulture),
        "stage" => CustomerWriter.Enum(c.Stage),
        "source" => c.Source,
        "signupDate" => CustomerWriter.Date(c.SignupDate),
        _ when c.CustomFields.TryGetValue(key["customFields.".Length..], out var v) =>
            v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Null => null, _ => v.GetRawText() },
        _ => null,
    };

    /// <summary>Moves rows of one kind by id, a statement per thousand ids, and returns the ids it moved.</summary>
    private static async Task<long[]> MoveAsync<T>(IQueryable<T> rows, System.Linq.Expressions.Expression<Func<T, bool>> from,
        System.Linq.Expressions.Expression<Func<T, long>> id, Func<long[], IQueryable<T>, Task<int>> move, CancellationToken ct) where T : class
    {
        var ids = await rows.Where(from).Select(id).OrderBy(x => x).ToArrayAsync(ct);
        foreach (var chunk in ids.Chunk(IdsPerStatement)) await move(chunk, rows);
        return ids;
    }

    /// <summary>
    /// The pair of the two is merged. The other's remaining pairs become the survivor's (the person they may duplicate
    /// is now the survivor), unless the survivor has a pair with that customer already, in which case they are resolved
    /// as merged. Each pair's former state is kept for undo.
    /// </summary>
    private async Task<PairBefore[]> ResolvePairsAsync(long survivorId, long otherId, long userId, DateTime now, CancellationToken ct)
    {
        var pairs = await db.DuplicatePairs
            .Where(p => p.CustomerId == survivorId || p.OtherCustomerId == survivorId || p.CustomerId == otherId || p.OtherCustomerId == otherId)
            .ToListAsync(ct);
        var survivorHasPairWith = pairs.Where(p => p.CustomerId == survivorId || p.OtherCustomerId == survivorId)
            .Select(p => p.CustomerId == survivorId ? p.OtherCustomerId : p.CustomerId).ToHashSet();
        var before = new List<PairBefore>();
        foreach (var p in pairs)
        {
            // Pairs already merged are history of earlier merges; they stay as they are.
            var touchesOther = p.CustomerId == otherId || p.OtherCustomerId == otherId;
            if (!touchesOther || p.Status == DuplicateStatus.Merged) continue;
            before.Add(new PairBefore(p.Id, p.CustomerId, p.OtherCustomerId, p.Status, p.ResolvedAt, p.ResolvedByUserId));
            var third = p.CustomerId == otherId ? p.OtherCustomerId : p.CustomerId;
            if (third == survivorId || survivorHasPairWith.Contains(third))
            {
                p.Status = DuplicateStatus.Merged;
                p.ResolvedAt = now;
                p.ResolvedByUserId = userId;
                continue;
            }
            (p.CustomerId, p.OtherCustomerId) = FindDuplicates.Key(survivorId, third);
            survivorHasPairWith.Add(third);
        }
        return [.. before];
    }
}

/// <summary>The survivor's own fields before a merge, kept as JSON in <see cref="CustomerMerge.SurvivorBefore"/>.</summary>
internal sealed class SurvivorState
{
    public string Name { get; init; } = "";
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public bool PhoneIsValid { get; init; }
    public DateOnly? BirthDate { get; init; }
    public int? Age { get; init; }
    public Gender? Gender { get; init; }
    public string? City { get; init; }
    public string? Address { get; init; }
    public long? CompanyId { get; init; }
    public LifecycleStage Stage { get; init; }
    public string? Source { get; init; }
    public DateOnly? SignupDate { get; init; }
    public string CustomFields { get; init; } = "{}";
    public long[] TagIds { get; init; } = [];

    public static SurvivorState Of(Customer c) => new()
    {
        Name = c.Name, Email = c.Email, Phone = c.Phone, PhoneIsValid = c.PhoneIsValid, BirthDate = c.BirthDate, Age = c.Age,
        Gender = c.Gender, City = c.City, Address = c.Address, CompanyId = c.CompanyId, Stage = c.Stage, Source = c.Source,
        SignupDate = c.SignupDate, CustomFields = c.CustomFields, TagIds = [.. c.Tags.Select(t => t.Id).Order()],
    };

    /// <summary>Puts the fields back; the caller sets the tags (<see cref="TagIds"/>) and the search text.</summary>
    public void ApplyTo(Customer c)
    {
        c.Name = Name;
        c.Email = Email;
        c.Phone = Phone;
        c.PhoneIsValid = PhoneIsValid;
        c.BirthDate = BirthDate;
        c.Age = Age;
        c.Gender = Gender;
        c.City = City;
        c.Address = Address;
        c.CompanyId = CompanyId;
        c.Stage = Stage;
        c.Source = Source;
        c.SignupDate = SignupDate;
        c.CustomFields = CustomFields;
    }

    public string Write() => JsonSerializer.Serialize(this, MergedRecords.Json);

    public static SurvivorState Read(string json) =>
        JsonSerializer.Deserialize<SurvivorState>(json, MergedRecords.Json) ?? throw new InvalidOperationException("A merge without the survivor's former state.");
}

/// <summary>A duplicate pair as it was before a merge changed it.</summary>
internal sealed record PairBefore(long Id, long CustomerId, long OtherCustomerId, DuplicateStatus Status, DateTime? ResolvedAt, long? ResolvedByUserId);

/// <summary>The ids of what a merge moved, per kind, kept as JSON in <see cref="CustomerMerge.Moved"/>.</summary>
internal sealed class MergedRecords
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public long[] Purchases { get; init; } = [];
    public long[] Communications { get; init; } = [];
    public long[] Events { get; init; } = [];
    public long[] Tasks { get; init; } = [];
    public long[] Cases { get; init; } = [];
    public long[] Feedback { get; init; } = [];
    public long[] Surveys { get; init; } = [];
    /// <summary>Communication participant rows that named the merged customer.</summary>
    public long[] Participants { get; init; } = [];
    /// <summary>Customers merged earlier into the merged one, whose <see cref="Customer.MergedIntoId"/> now names the survivor.</summary>
    public long[] Tombstones { get; init; } = [];
    public PairBefore[] Pairs { get; init; } = [];

    public string Write() => JsonSerializer.Serialize(this, Json);

    public static MergedRecords Read(string json) => JsonSerializer.Deserialize<MergedRecords>(json, Json) ?? new MergedRecords();
}

/// <summary>
/// History rows of merges and their undoing, in the shape <see cref="ChangeLog"/> writes: a row naming the other
/// customer, then one per field that changed, all in one change set.
/// </summary>
internal static class MergeHistory
{
    public static string Describe(Customer c) => $"{c.Name} (#{c.Id.ToString(CultureInfo.InvariantCulture)})";

    public static void Fields(KithDb db, long id, ChangeAction action, IReadOnlyDictionary<string, string?> before,
        IReadOnlyDictionary<string, string?> after, Actor actor, DateTime at, Guid set)
    {
        foreach (var field in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(field, out var old);
            after.TryGetValue(field, out var now);
            if (!string.Equals(old, now, StringComparison.Ordinal)) Add(db, id, action, field, old, now, actor, at, set);
        }
    }

    public static void Add(KithDb db, long id, ChangeAction action, string? field, string? old, string? now, Actor actor, DateTime at, Guid set) =>
        db.RecordChanges.Add(ChangeLog.Row(ChangeLog.CustomerEntity, id, action, field, old, now, actor, at, set));
}
