using Kith.Core.Infrastructure;

namespace Kith.Infrastructure;

/// <summary>Everything `kith serve` needs to start; tests build one to start a real host on a free port.</summary>
public sealed record KithServeOptions
{
    public required DatabaseOptions Database { get; init; }
    public string Urls { get; init; } = "http://localhost:5080";
    /// <summary>Fill an empty database with generated demo data on start.</summary>
    public bool Demo { get; init; }
    public string EnvironmentName { get; init; } = "Production";
    /// <summary>How often a node asks for background work another node holds (see <see cref="JobLocks"/>); tests shorten it.</summary>
    public TimeSpan JobLockRetry { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Used by tests to silence request logs.</summary>
    public bool QuietLogs { get; init; }
}
