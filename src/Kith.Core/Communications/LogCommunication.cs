using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tasks;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

/// <summary>The record and whether it was already there (a retried request with the same Idempotency-Key).</summary>
public sealed record LoggedCommunication(CommunicationDetail Communication, bool Replayed);

/// <summary>
/// Logs a call, message, meeting or note on a customer, with its participants, outcome and an optional follow-up
/// task, all in one transaction. Every field is checked before anything is written; every HTML body is sanitised.
/// <para>
/// Idempotency: a request carrying a key is stored with the key and a hash of its body. The same key from the same
/// user answers with the stored record (<see cref="LoggedCommunication.Replayed"/>); the same key with a different
/// body is refused with 422, as the IETF Idempotency-Key draft recommends, since the client reused a key by mistake.
/// </para>
/// </summary>
public sealed class LogCommunication(KithDb db, CommunicationChoices choices, CreateTask tasks, CommunicationQueries queries, TimeProvider clock)
{
    public const int MaxKeyLength = 200;
    private static readonly JsonSerializerOptions s_hashJson = new() { WriteIndented = false };

    /// <summary>A user (through the UI or the API) logs a communication on a customer in their reach.</summary>
    public async Task<LoggedCommunication> HandleAsync(CommunicationInput input, AccessScope scope, ActorKind via, string? idempotencyKey, CancellationToken ct)
    {
        scope.EnsureCanCreate();
        string? hash = null;
        if (idempotencyKey is not null)
        {
            if (idempotencyKey.Length is 0 or > MaxKeyLength || idempotencyKey.Any(char.IsControl))
                throw RuleViolation.Field("Idempotency-Key", $"The Idempotency-Key header is 1 to {MaxKeyLength} printable characters.");
            hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(input, s_hashJson))));
            if (await ReplayAsync(scope, idempotencyKey, hash, ct) is { } replay) return replay;
        }
        var communication = await BuildAsync(input, scope, scope.Actor(via), ct);
        communication.IdempotencyKey = idempotencyKey;
        communication.RequestHash = hash;
        var followUp = input.FollowUp is { } f ? await tasks.BuildAsync(f, scope, ct, "followUp.") : null;
        try
        {
            var id = await SaveAsync(communication, followUp, ct);
            return new LoggedCommunication(await queries.GetAsync(scope, id, ct), false);
        }
        catch (DbUpdateException) when (idempotencyKey is not null)
        {
            // The same request retried while the first was still being saved: the unique index let one through.
            db.ChangeTracker.Clear();
            return await ReplayAsync(scope, idempotencyKey, hash!, ct) ?? throw new RuleViolation("The communication could not be saved.", status: 409);
        }
    }

    /// <summary>
    /// Kith itself records a communication it observed (mail sync, a telephony bridge running as a service): the same
    /// checks of channel, direction, outcome, sizes and participants, but no user's reach applies. The caller decides
    /// <see cref="CommunicationInput.Visibility"/> and the user participants (for synced mail: the mailbox owner,
    /// with Participants visibility). An <see cref="CommunicationInput.ExternalId"/> already stored answers the stored record.
    /// </summary>
    public async Task<CommunicationDetail> RecordAsync(CommunicationInput input, Actor actor, CancellationToken ct)
    {
        if (input.ExternalId is { Length: > 0 } ext && await db.Communications.AsNoTracking().Where(c => c.ExternalId == ext).Select(c => (long?)c.Id).FirstOrDefaultAsync(ct) is { } existing)
            return await queries.DetailAsync(existing, ct);
        if (input.FollowUp is not null) throw RuleViolation.Field("followUp", "A recorded communication has no follow-up; create the task separately.");
        var communication = await BuildAsync(input, null, actor, ct);
        var id = await SaveAsync(communication, null, ct);
        return await queries.DetailAsync(id, ct);
    }

    private async Task<LoggedCommunication?> ReplayAsync(AccessScope scope, string key, string hash, CancellationToken ct)
    {
        var stored = await db.Communications.AsNoTracking().Where(c => c.CreatedByUserId == scope.UserId && c.IdempotencyKey == key)
            .Select(c => new { c.Id, c.RequestHash }).FirstOrDefaultAsync(ct);
        if (stored is null) return null;
        if (stored.RequestHash != hash)
            throw new RuleViolation("This Idempotency-Key was already used for a different request; use a new key for a new communication.",
                new Dictionary<string, string[]> { ["Idempotency-Key"] = ["The key was used for a different request."] }, 422);
        return new LoggedCommunication(await queries.GetAsync(scope, stored.Id, ct), true);
    }

    private async Task<long> SaveAsync(Communication communication, TaskItem? followUp, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Communications.Add(communication);
        await db.SaveChangesAsync(ct);
        if (followUp is not null)
        {
            followUp.CommunicationId = communication.Id;
            followUp.CustomerId ??= communication.CustomerId;
            db.Tasks.Add(followUp);
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        return communication.Id;
    }

    private async Task<Communication> BuildAsync(CommunicationInput input, AccessScope? scope, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var c = new Communication { CreatedAt = now, CreatedByKind = actor.Kind, CreatedByUserId = actor.UserId };
        await CommunicationRules.ApplyAsync(db, choices, c, input, scope, now, ct);
        var users = input.ParticipantUserIds.Distinct().ToList();
        if (actor.UserId is { } me && actor.Kind != ActorKind.System && !users.Contains(me)) users.Insert(0, me);
        foreach (var u in users) c.Participants.Add(new CommunicationParticipant { UserId = u });
        foreach (var cu in input.ParticipantCustomerIds.Distinct().Where(id => id != input.CustomerId)) c.Participants.Add(new CommunicationParticipant { CustomerId = cu });
        if (input.ExternalId is { Length: > 0 } external)
        {
            c.ExternalId = external.Trim();
            if (await db.Communications.AnyAsync(x => x.ExternalId == c.ExternalId, ct))
                throw new RuleViolation($"A communication with external id '{c.ExternalId}' is already stored.",
                    new Dictionary<string, string[]> { ["externalId"] = ["The external id is taken."] }, 409);
        }
        return c;
    }
}
