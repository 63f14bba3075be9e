using Kith.Core.Identity;

namespace Kith.Core.Behavior;

/// <summary>
/// Requests per site key and client address: a page sends a batch every few seconds at most, so a client past the
/// limit is a loop or an abuse of the public key, and waits.
/// </summary>
public sealed class TrackerThrottle(TimeProvider clock)
{
    public const int RequestsPerMinute = 120;

    private readonly FailureThrottle _requests = new(RequestsPerMinute, TimeSpan.FromMinutes(1), clock);

    /// <summary>Counts a request; answers how long to wait when the client is past the limit (the request is then not taken).</summary>
    public TimeSpan? Take(long siteKeyId, string address)
    {
        var key = $"{siteKeyId}|{address}";
        if (_requests.RetryAfter(key) is { } wait) return wait;
        _requests.Fail(key);
        return null;
    }
}
