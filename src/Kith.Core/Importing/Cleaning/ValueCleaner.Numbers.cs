using System.Globalization;

namespace Kith.Core.Importing.Cleaning;

public sealed partial class ValueCleaner
{
    /// <summary>
    /// A whole number: 34, " 34 ", 34.0 and 1,234 are read; 34.5 and abc are errors, and so is a number outside
    /// <paramref name="minimum"/>..<paramref name="maximum"/>.
    /// </summary>
    public CleanResult Integer(string? raw, long? minimum = null, long? maximum = null)
    {
        var rules = CleaningRule.None;
        if (!Typed(raw, ref rules, out var s)) return CleanResult.Missing(rules);
        Span<char> buffer = stackalloc char[64];
        if (!TryCanonicalNumber(s, buffer, out var length, ref rules, currency: false))
            return CleanResult.Fail($"{Show(s)} is not a whole number.", rules);
        var number = buffer[..length];
        var point = number.IndexOf('.');
        if (point >= 0)
        {
            if (number[(point + 1)..].ContainsAnyExcept('0')) return CleanResult.Fail($"{Show(s)} is not a whole number.", rules);
            rules |= CleaningRule.ReadAsWholeNumber;
            number = number[..point];
        }
        if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return CleanResult.Fail($"{Show(s)} is too large a number.", rules);
        if (value < minimum || value > maximum)
            return CleanResult.Fail((minimum, maximum) switch
            {
                ({ } min, { } max) => $"{Show(s)} is not between {min} and {max}.",
                ({ } min, null) => $"{Show(s)} is less than {min}.",
                _ => $"{Show(s)} is more than {maximum}.",
            }, rules);
        return new(value, null, rules);
    }

    /// <summary>
    /// A number written the invariant way (1,234.50, 12.5, -3), with a currency symbol before or after it ignored
    /// (¥12.50, $12.50, 12.50元). A decimal comma (12,50) is an error that says so.
    /// </summary>
    public CleanResult Decimal(string? raw)
    {
        var rules = CleaningRule.None;
        if (!Typed(raw, ref rules, out var s)) return CleanResult.Missing(rules);
        Span<char> buffer = stackalloc char[64];
        if (!TryCanonicalNumber(s, buffer, out var length, ref rules, currency: true))
            return CleanResult.Fail(s.Contains(',')
                ? $"{Show(s)} is not a number: write decimals with a point and thousands with commas (1,234.50)."
                : $"{Show(s)} is not a number.", rules);
        if (!decimal.TryParse(buffer[..length], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return CleanResult.Fail($"{Show(s)} is too large a number.", rules);
        return new(value, null, rules);
    }

    /// <summary>
    /// Writes the number in <paramref name="s"/> as [-]digits[.digits] into <paramref name="buffer"/>: thousands
    /// separators must group by three, a sign and (when allowed) a currency symbol may come first, a symbol or 元 last.
    /// </summary>
    private static bool TryCanonicalNumber(ReadOnlySpan<char> s, Span<char> buffer, out int length, ref CleaningRule rules, bool currency)
    {
        length = 0;
        if (s.Length > buffer.Length) return false;
        var i = 0;
        var signed = false;
        var negative = false;
        var symbol = false;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is '+' or '-' && !signed)
            {
                signed = true;
                negative = c == '-';
                i++;
            }
            else if (currency && !symbol && IsCurrencySymbol(c))
            {
                symbol = true;
                i++;
                while (i < s.Length && s[i] == ' ') i++;
            }
            else break;
        }
        var n = 0;
        if (negative) buffer[n++] = '-';
        var whole = 0;
        var group = 0;
        var grouped = false;
        for (; i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == ','); i++)
        {
            if (s[i] != ',')
            {
                buffer[n++] = s[i];
                whole++;
                group++;
                continue;
            }
            if (grouped ? group != 3 : group is < 1 or > 3) return false;
            grouped = true;
            group = 0;
        }
        if (whole == 0 || (grouped && group != 3)) return false;
        if (grouped) rules |= CleaningRule.ThousandsSeparatorsRemoved;
        if (i < s.Length && s[i] == '.')
        {
            buffer[n++] = '.';
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) buffer[n++] = s[i++];
            if (i == start) return false;
        }
        if (currency && !symbol && i < s.Length)
        {
            while (i < s.Length && s[i] == ' ') i++;
            if (i < s.Length && (IsCurrencySymbol(s[i]) || s[i] == '元'))
            {
                symbol = true;
                i++;
            }
        }
        if (i != s.Length) return false;
        if (symbol) rules |= CleaningRule.CurrencySymbolRemoved;
        length = n;
        return true;
    }

    private static bool IsCurrencySymbol(char c) => c is '$' or '¥' or '€' or '£' or '₩' or '₹';
}
