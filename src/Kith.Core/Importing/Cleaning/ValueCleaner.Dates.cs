namespace Kith.Core.Importing.Cleaning;

public sealed partial class ValueCleaner
{
    private enum DateProblem { None, NotADate, NoSuchDate, YearAlone }

    // Excel counts days from 1900-01-01 = 1 and keeps Lotus 1-2-3's phantom 29 February 1900 as day 60.
    private const int LastExcelSerial = 2_958_465; // 9999-12-31
    private static readonly DateOnly s_excelEpoch = new(1899, 12, 30);

    /// <summary>
    /// A calendar date: 2024-03-05, 2024/03/05, 2024.03.05, 20240305, 05.03.2024 (day first), 05/03/2024 (day first,
    /// month first in the US), 2024年3月5日, or an Excel serial number (45356). A date followed by a time keeps the
    /// date. 31.02.2024 is an error: no such date.
    /// </summary>
    public CleanResult Date(string? raw)
    {
        var rules = CleaningRule.None;
        if (!Typed(raw, ref rules, out var s)) return CleanResult.Missing(rules);
        DateProblem problem;
        DateOnly date;
        if (IsSerialShape(s))
        {
            problem = ParseSerial(s, out date, out var fraction);
            rules |= CleaningRule.ExcelSerialConverted | (fraction > 0 ? CleaningRule.TimeDropped : 0);
        }
        else
        {
            var dateRules = CleaningRule.None;
            problem = ParseDate(s, out date, ref dateRules);
            if (problem == DateProblem.NotADate && SplitDateTime(s, out var datePart, out var timePart) &&
                TryTime(timePart, out _, out _))
            {
                problem = ParseDate(datePart, out date, ref dateRules);
                dateRules |= CleaningRule.TimeDropped;
            }
            rules |= dateRules;
        }
        return problem switch
        {
            DateProblem.None => new(date, null, rules),
            DateProblem.NotADate => CleanResult.Fail($"{Show(s)} is not a date; write it as yyyy-MM-dd.", rules),
            _ => CleanResult.Fail(DateMessage(problem, s), rules),
        };
    }

    /// <summary>
    /// A moment, as a UTC DateTime: ISO 8601 with Z or an offset (converted to UTC) or without (read as UTC), a space
    /// instead of the T, any date form <see cref="Date"/> reads followed by a time (HH:mm[:ss[.fff]], AM/PM), a date
    /// alone (midnight UTC), or an Excel serial number with a fraction for the time.
    /// </summary>
    public CleanResult Instant(string? raw)
    {
        var rules = CleaningRule.None;
        if (!Typed(raw, ref rules, out var s)) return CleanResult.Missing(rules);
        if (TryCanonicalInstant(s, out var canonical)) return new(canonical, null, rules);
        const string notAnInstant = "is not a date and time; write it as yyyy-MM-ddTHH:mm:ssZ.";
        if (IsSerialShape(s))
        {
            var problem = ParseSerial(s, out var day, out var fraction);
            if (problem != DateProblem.None)
                return CleanResult.Fail(problem == DateProblem.NotADate ? $"{Show(s)} {notAnInstant}" : DateMessage(problem, s), rules);
            var seconds = Math.Round(fraction * 86_400);
            var moment = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddSeconds(seconds);
            return new(moment, null, rules | CleaningRule.ExcelSerialConverted | CleaningRule.UtcAssumed);
        }
        var dateRules = CleaningRule.None;
        var whole = ParseDate(s, out var date, ref dateRules);
        if (whole == DateProblem.None)
            return new(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), null, rules | dateRules | CleaningRule.MidnightAssumed);
        if (whole != DateProblem.NotADate) return CleanResult.Fail(DateMessage(whole, s), rules);
        if (!SplitDateTime(s, out var datePart, out var timePart) || !TryTime(timePart, out var time, out var offset))
            return CleanResult.Fail($"{Show(s)} {notAnInstant}", rules);
        var part = ParseDate(datePart, out date, ref dateRules);
        if (part != DateProblem.None)
            return CleanResult.Fail(part == DateProblem.NotADate ? $"{Show(s)} {notAnInstant}" : DateMessage(part, s), rules);
        rules |= dateRules | (offset is null ? CleaningRule.UtcAssumed : offset.Value == TimeSpan.Zero ? 0 : CleaningRule.ConvertedToUtc);
        var ticks = date.DayNumber * TimeSpan.TicksPerDay + time.Ticks - (offset ?? TimeSpan.Zero).Ticks;
        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks) return CleanResult.Fail($"{Show(s)} is out of the range of dates.", rules);
        return new(new DateTime(ticks, DateTimeKind.Utc), null, rules);
    }

    /// <summary>
    /// yyyy-MM-ddTHH:mm:ssZ, the form Kith exports and most systems write (every time of an events file), read
    /// directly; anything else, or a value out of range, is left to the general path, which reads this form to the
    /// same instant with no cleaning rule (ADR-0030).
    /// </summary>
    private static bool TryCanonicalInstant(ReadOnlySpan<char> s, out DateTime instant)
    {
        instant = default;
        if (s.Length != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') return false;
        var year = TwoDigits(s, 0) * 100 + TwoDigits(s, 2);
        int month = TwoDigits(s, 5), day = TwoDigits(s, 8), hour = TwoDigits(s, 11), minute = TwoDigits(s, 14), second = TwoDigits(s, 17);
        if (Math.Min(TwoDigits(s, 0), TwoDigits(s, 2)) < 0 || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59)
            return false;
        instant = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        return true;
    }

    /// <summary>The two ASCII digits at <paramref name="at"/> as a number, or -1.</summary>
    private static int TwoDigits(ReadOnlySpan<char> s, int at) =>
        char.IsAsciiDigit(s[at]) && char.IsAsciiDigit(s[at + 1]) ? (s[at] - '0') * 10 + (s[at + 1] - '0') : -1;

    private string DateMessage(DateProblem problem, ReadOnlySpan<char> s) => problem switch
    {
        DateProblem.YearAlone => $"{Show(s)} is a year alone, not a date.",
        DateProblem.NoSuchDate when IsAmbiguousOrder(s) =>
            $"no such date: {Show(s)} (read as {(MonthFirstDates ? "month/day/year" : "day/month/year")}).",
        _ => $"no such date: {Show(s)}.",
    };

    // 05/03/2024 or 05-03-2024: which number is the month depends on the region.
    private static bool IsAmbiguousOrder(ReadOnlySpan<char> s) =>
        s.Length >= 8 && s[^5] is '/' or '-' && !s.Contains('年');

    /// <summary>A date without a time: 8 digits, three numbers separated by - / or ., or the Chinese y年m月d日.</summary>
    private DateProblem ParseDate(ReadOnlySpan<char> s, out DateOnly date, ref CleaningRule rules)
    {
        date = default;
        if (s.Length == 8 && !s.ContainsAnyExceptInRange('0', '9'))
        {
            rules |= CleaningRule.DateFormatConverted;
            return Make(Number(s[..4]), Number(s[4..6]), Number(s[6..]), out date);
        }
        if (s.Contains('年')) return ParseChineseDate(s, out date, ref rules);
        var separator = s.IndexOfAnyExceptInRange('0', '9');
        if (separator <= 0 || s[separator] is not ('-' or '/' or '.')) return DateProblem.NotADate;
        var sep = s[separator];
        Span<Range> parts = stackalloc Range[4];
        if (s.Split(parts, sep) != 3) return DateProblem.NotADate;
        ReadOnlySpan<char> a = s[parts[0]], b = s[parts[1]], c = s[parts[2]];
        foreach (var p in (ReadOnlySpan<Range>)parts[..3])
            if (s[p].Length is 0 or > 4 || s[p].ContainsAnyExceptInRange('0', '9')) return DateProblem.NotADate;
        if (a.Length == 4 && b.Length <= 2 && c.Length <= 2)
        {
            if (!(sep == '-' && b.Length == 2 && c.Length == 2)) rules |= CleaningRule.DateFormatConverted;
            return Make(Number(a), Number(b), Number(c), out date);
        }
        if (c.Length == 4 && a.Length <= 2 && b.Length <= 2)
        {
            rules |= CleaningRule.DateFormatConverted;
            var monthFirst = sep != '.' && MonthFirstDates;
            return Make(Number(c), Number(monthFirst ? a : b), Number(monthFirst ? b : a), out date);
        }
        return DateProblem.NotADate;
    }

    private static DateProblem ParseChineseDate(ReadOnlySpan<char> s, out DateOnly date, ref CleaningRule rules)
    {
        date = default;
        var year = s.IndexOf('年');
        var month = s.IndexOf('月');
        if (month < year) return DateProblem.NotADate;
        var dayText = s[(month + 1)..].Trim();
        if (dayText.Length > 0 && dayText[^1] is '日' or '号') dayText = dayText[..^1].Trim();
        ReadOnlySpan<char> y = s[..year].Trim(), m = s[(year + 1)..month].Trim();
        if (y.Length != 4 || !IsShortNumber(m) || !IsShortNumber(dayText) || y.ContainsAnyExceptInRange('0', '9'))
            return DateProblem.NotADate;
        rules |= CleaningRule.DateFormatConverted;
        return Make(Number(y), Number(m), Number(dayText), out date);
    }

    private static bool IsShortNumber(ReadOnlySpan<char> s) => s.Length is >= 1 and <= 2 && !s.ContainsAnyExceptInRange('0', '9');

    private static DateProblem Make(int year, int month, int day, out DateOnly date)
    {
        date = default;
        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
            return DateProblem.NoSuchDate;
        date = new DateOnly(year, month, day);
        return DateProblem.None;
    }

    private static int Number(ReadOnlySpan<char> digits)
    {
        var n = 0;
        foreach (var c in digits) n = n * 10 + (c - '0');
        return n;
    }

    // digits, optionally a point and more digits: what a spreadsheet writes for a date cell it exports as a number
    private static bool IsSerialShape(ReadOnlySpan<char> s)
    {
        var point = s.IndexOf('.');
        var whole = point < 0 ? s : s[..point];
        if (whole.IsEmpty || whole.Length > 7 || whole.ContainsAnyExceptInRange('0', '9')) return false;
        if (point < 0) return s.Length != 8;
        var fraction = s[(point + 1)..];
        return !fraction.IsEmpty && !fraction.ContainsAnyExceptInRange('0', '9');
    }

    private static DateProblem ParseSerial(ReadOnlySpan<char> s, out DateOnly date, out double fraction)
    {
        date = default;
        var point = s.IndexOf('.');
        var serial = Number(point < 0 ? s : s[..point]);
        fraction = point < 0 ? 0 : double.Parse(string.Concat("0", s[point..]), System.Globalization.CultureInfo.InvariantCulture);
        // A four-digit number in a date column is far more often a year than a day in the 1900s.
        if (point < 0 && serial is >= 1900 and <= 2100) return DateProblem.YearAlone;
        if (serial is < 1 or > LastExcelSerial) return DateProblem.NotADate;
        if (serial == 60) return DateProblem.NoSuchDate;
        date = serial < 60 ? s_excelEpoch.AddDays(serial + 1) : s_excelEpoch.AddDays(serial);
        return DateProblem.None;
    }

    /// <summary>Splits "date time" at a T between digits, after 日, or at the first space.</summary>
    private static bool SplitDateTime(ReadOnlySpan<char> s, out ReadOnlySpan<char> date, out ReadOnlySpan<char> time)
    {
        date = time = default;
        var at = -1;
        var width = 1;
        for (var i = 1; i < s.Length - 1; i++)
            if (s[i] is 'T' or 't' && char.IsAsciiDigit(s[i - 1]) && char.IsAsciiDigit(s[i + 1]))
            {
                at = i;
                break;
            }
        if (at < 0 && s.IndexOf('日') is var day and >= 0 && day < s.Length - 1)
        {
            at = day + 1;
            width = 0;
        }
        if (at < 0) at = s.IndexOf(' ');
        if (at <= 0) return false;
        date = s[..at].Trim();
        time = s[(at + width)..].Trim();
        if (width == 0) date = s[..at];
        return !time.IsEmpty;
    }

    /// <summary>H:mm[:ss[.fffffff]] [AM|PM] [Z | UTC | GMT | ±hh[:mm]], the offset null when none is written.</summary>
    private static bool TryTime(ReadOnlySpan<char> s, out TimeSpan time, out TimeSpan? offset)
    {
        time = default;
        offset = null;
        var i = 0;
        if (!Digits(s, ref i, 1, 2, out var hour) || i >= s.Length || s[i++] != ':' || !Digits(s, ref i, 2, 2, out var minute))
            return false;
        var second = 0;
        long fractionTicks = 0;
        if (i < s.Length && s[i] == ':')
        {
            i++;
            if (!Digits(s, ref i, 2, 2, out second)) return false;
            if (i < s.Length && s[i] is '.' or ',')
            {
                var start = ++i;
                long scale = TimeSpan.TicksPerSecond;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    scale /= 10;
                    fractionTicks += (s[i++] - '0') * scale;
                }
                if (i == start) return false;
            }
        }
        while (i < s.Length && s[i] == ' ') i++;
        if (i + 1 < s.Length && s[i + 1] is 'M' or 'm' && s[i] is 'A' or 'a' or 'P' or 'p')
        {
            if (hour is < 1 or > 12) return false;
            hour = hour % 12 + (s[i] is 'P' or 'p' ? 12 : 0);
            i += 2;
            while (i < s.Length && s[i] == ' ') i++;
        }
        if (hour > 23 || minute > 59 || second > 59) return false;
        time = new TimeSpan(hour, minute, second) + TimeSpan.FromTicks(fractionTicks);
        if (i == s.Length) return true;
        var zone = s[i..];
        if (zone is "Z" or "z") { offset = TimeSpan.Zero; return true; }
        if (zone.StartsWith("UTC", StringComparison.OrdinalIgnoreCase) || zone.StartsWith("GMT", StringComparison.OrdinalIgnoreCase))
        {
            zone = zone[3..];
            if (zone.IsEmpty) { offset = TimeSpan.Zero; return true; }
        }
        if (zone[0] is not ('+' or '-')) return false;
        var j = 1;
        if (!Digits(zone, ref j, 1, 2, out var hours)) return false;
        var minutes = 0;
        if (j < zone.Length && zone[j] == ':') j++;
        if (j < zone.Length && !Digits(zone, ref j, 2, 2, out minutes)) return false;
        if (j != zone.Length || hours > 14 || minutes > 59) return false;
        offset = new TimeSpan(hours, minutes, 0) * (zone[0] == '-' ? -1 : 1);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, ref int i, int min, int max, out int value)
    {
        value = 0;
        var start = i;
        while (i < s.Length && i - start < max && char.IsAsciiDigit(s[i])) value = value * 10 + (s[i++] - '0');
        return i - start >= min;
    }
}
