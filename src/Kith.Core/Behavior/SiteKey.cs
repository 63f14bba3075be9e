namespace Kith.Core.Behavior;

/// <summary>
/// The key a business's website uses to send events through the tracking snippet. It is public by nature (it sits in
/// the page), so it only writes events: it reads nothing, and browsers may use it only from its allowed origins.
/// </summary>
public sealed class SiteKey
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The key itself; kept in clear because it is published on the website anyway and the snippet is shown again.</summary>
    public string Key { get; set; } = "";
    /// <summary>Origins allowed to send with this key (scheme://host[:port]), one per line.</summary>
    public string AllowedOrigins { get; set; } = "";
    public long? CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    public IReadOnlyList<string> Origins => AllowedOrigins.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
