using System.Globalization;
using Kith.Core.Customers;
using Kith.Core.Duplicates.Matching;
using Kith.Core.Infrastructure;
using nietras.SeparatedValues;
using PhoneNumbers;

namespace Kith.DedupBench;

/// <summary>
/// Reads gen_data.py's customer_data.csv (customer_id,name,email,phone,...,city; a company column is used when
/// present) into <see cref="PersonKey"/>s, cleaned the way Kith stores customers: email trimmed and lower-cased by
/// <see cref="ContactRules.NormalizeEmail"/> (a malformed one dropped), phone in E.164 by libphonenumber with CN as
/// the default region and US tried next, a number that is valid in neither kept as typed.
/// </summary>
internal static class PeopleFile
{
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();
    private static readonly string[] s_regions = ["CN", "US"];

    private readonly record struct Row(long Id, string Name, string Email, string Phone, string City, string Company);

    public static PersonKey[] Read(string path, long limit)
    {
        var rows = new List<Row>();
        using (var reader = Sep.Reader(o => o with { Unescape = true }).FromFile(path))
        {
            var h = reader.Header;
            int id = h.IndexOf("customer_id"), name = h.IndexOf("name"), email = h.IndexOf("email"), phone = h.IndexOf("phone"),
                city = h.IndexOf("city");
            var company = h.ColNames.Contains("company") ? h.IndexOf("company") : -1;
            foreach (var row in reader)
            {
                if (rows.Count >= limit) break;
                rows.Add(new Row(long.Parse(row[id].Span, CultureInfo.InvariantCulture), row[name].ToString(), row[email].ToString(),
                    row[phone].ToString(), row[city].ToString(), company < 0 ? "" : row[company].ToString()));
            }
        }
        var people = new PersonKey[rows.Count];
        Parallel.For(0, rows.Count, i =>
        {
            var r = rows[i];
            people[i] = new PersonKey(r.Id, r.Name.Trim(), Email(r.Email), Phone(r.Phone), ContactRules.Clean(r.Company), ContactRules.Clean(r.City));
        });
        return people;
    }

    private static string? Email(string raw)
    {
        try
        {
            return ContactRules.NormalizeEmail(raw);
        }
        catch (RuleViolation)
        {
            return null;
        }
    }

    private static string? Phone(string raw)
    {
        var p = raw.Trim();
        if (p.Length == 0) return null;
        foreach (var region in s_regions)
        {
            try
            {
                var n = s_phones.Parse(p, region);
                if (s_phones.IsValidNumber(n)) return s_phones.Format(n, PhoneNumberFormat.E164);
            }
            catch (NumberParseException)
            {
                // tried with the next region, then kept as typed (the matcher compares its digits)
            }
        }
        return p;
    }
}
