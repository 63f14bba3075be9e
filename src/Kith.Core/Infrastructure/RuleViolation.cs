namespace Kith.Core.Infrastructure;

/// <summary>
/// A business rule refused a request. The web host turns it into an RFC 9457 problem (400 unless said
/// otherwise) with the messages per field; the CLI prints it. Nothing is stored when one is thrown.
/// </summary>
public class RuleViolation(string message, IReadOnlyDictionary<string, string[]>? errors = null, int status = 400)
    : Exception(message)
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();
    public int Status { get; } = status;

    public static RuleViolation Field(string field, string message) =>
        new(message, new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The record does not exist or is out of the caller's reach: both answer 404, so reach is never revealed.</summary>
public sealed class NotFound(string what) : RuleViolation($"{what} was not found.", status: 404);

/// <summary>The caller's If-Match names an older version of the record.</summary>
public sealed class VersionConflict(string what) : RuleViolation($"{what} was changed by someone else since you read it; reload and try again.", status: 412);

/// <summary>The caller may see the record but not do this to it.</summary>
public sealed class Forbidden(string message) : RuleViolation(message, status: 403);
