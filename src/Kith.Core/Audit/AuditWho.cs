using Kith.Core.Infrastructure;

namespace Kith.Core.Audit;

/// <summary>
/// Who a unit of work acts for, as the audit trail records it: the kind and user of <see cref="Actor"/>, plus the API
/// token and the client's address when known. Set on <see cref="KithDb.AuditWho"/> by whatever opens the unit of work
/// (a web request, a Blazor call, the command line); Kith itself is <see cref="System"/>.
/// </summary>
public sealed record AuditWho(ActorKind Kind, long? UserId, string? Email = null, long? TokenId = null, string? ClientAddress = null)
{
    public static readonly AuditWho System = new(ActorKind.System, null);
    public static readonly AuditWho Cli = new(ActorKind.Cli, null);

    /// <summary>The same caller acting as <paramref name="actor"/>, which names the kind and user of a record change.</summary>
    public AuditWho As(Actor actor) =>
        actor.UserId == UserId && actor.Kind == Kind ? this
        : actor.UserId == UserId ? this with { Kind = actor.Kind }
        : new AuditWho(actor.Kind, actor.UserId);
}
