using System.Globalization;
using Kith.Core.Infrastructure;

namespace Kith.Core.Analytics;

public enum TimeInterval { Day, Week, Month }

/// <summary>
/// The time range an analysis covers, From inclusive and To exclusive, in UTC. A date without a time means the whole
/// day: to=2026-03-31 includes 31 March. Without from or to, the last 365 days up to the end of today.
/// </summary>
public sealed record AnalysisPeriod(DateTime From, DateTime To)
{
    public const int DefaultDays = 365;

    public static AnalysisPeriod Parse(string? from, string? to, TimeProvider clock)
    {
        var end = string.IsNullOrWhiteSpace(to) ? clock.GetUtcNow().UtcDateTime.Date.AddDays(1) : ParseInstant(to, "to", endOfDay: true);
        var start = string.IsNullOrWhiteSpace(from) ? end.AddDays(-DefaultDays) : ParseInstant(from, "from", endOfDay: false);
        if (start >= end) throw RuleViolation.Field("from", "from must be before to.");
        return new AnalysisPeriod(start, end);
    }

    public static TimeInterval ParseInterval(string? text, TimeInterval fallback = TimeInterval.Month) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" => fallback,
        "day" => TimeInterval.Day,
        "week" => TimeInterval.Week,
        "month" => TimeInterval.Month,
        _ => throw RuleViolation.Field("interval", $"interval must be day, week or month, not '{text}'."),
    };

    private static DateTime ParseInstant(string text, string field, bool endOfDay)
    {
        text = text.Trim();
        DateTime? at = null;
        var wholeDay = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day);
        if (wholeDay)
            at = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        else if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant) && text.Contains('T'))
            at = instant.UtcDateTime;
        if (at is null) throw RuleViolation.Field(field, $"{field} must be a date (2026-03-31) or a UTC time (2026-03-31T12:00:00Z), not '{text}'.");
        // Bounded so that the default start a year back and the end of the last day stay dates .NET and SQL can hold.
        if (at < Earliest || at >= Latest)
            throw RuleViolation.Field(field, $"{field} must be from {Earliest:yyyy-MM-dd} to {Latest.AddDays(-1):yyyy-MM-dd}, not '{text}'.");
        return at.Value.AddDays(wholeDay && endOfDay ? 1 : 0);
    }

    private static readonly DateTime Earliest = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Latest = new(3000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The start of each bucket from the one holding From to the one holding the last instant before To.</summary>
    public IReadOnlyList<DateOnly> Buckets(TimeInterval interval)
    {
        var first = BucketOf(DateOnly.FromDateTime(From), interval);
        var last = BucketOf(DateOnly.FromDateTime(To.AddTicks(-1)), interval);
        var buckets = new List<DateOnly>();
        for (var b = first; b <= last; b = Next(b, interval))
        {
            if (buckets.Count == MaxBuckets)
                throw RuleViolation.Field("interval", $"That range has more than {MaxBuckets} {interval.ToString().ToLowerInvariant()}s; pick a longer interval or a shorter range.");
            buckets.Add(b);
        }
        return buckets;
    }

    public const int MaxBuckets = 1000;

    public static DateOnly BucketOf(DateOnly day, TimeInterval interval) => interval switch
    {
        TimeInterval.Day => day,
        TimeInterval.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        _ => new DateOnly(day.Year, day.Month, 1),
    };

    private static DateOnly Next(DateOnly bucket, TimeInterval interval) => interval switch
    {
        TimeInterval.Day => bucket.AddDays(1),
        TimeInterval.Week => bucket.AddDays(7),
        _ => bucket.AddMonths(1),
    };

    internal Dictionary<string, object?> Parameters() => new() { ["@from"] = From, ["@to"] = To };
}
