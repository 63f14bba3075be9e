namespace Kith.Core.Infrastructure;

/// <summary>How a change reached Kith: typed in the UI, sent to the API, read from an import, or made by Kith itself.</summary>
public enum ActorKind { User, Api, Import, Cli, System }

/// <summary>Who or what makes a change. Every write takes one, so each record can say who created and last changed it.</summary>
public sealed record Actor(ActorKind Kind, long? UserId, string? Detail = null)
{
    public static readonly Actor System = new(ActorKind.System, null);
    public static Actor Ui(long userId) => new(ActorKind.User, userId);
    public static Actor Api(long userId) => new(ActorKind.Api, userId);
    public static Actor Cli(long? userId = null) => new(ActorKind.Cli, userId);
    public static Actor Import(long? userId, string jobId) => new(ActorKind.Import, userId, jobId);
}
