using System.Globalization;
using Kith.Core.Customers;
using Kith.Core.Infrastructure;
using nietras.SeparatedValues;
using PhoneNumbers;

namespace Kith.Bench;

/// <summary>One line of customer_data.csv as written (gen_data.py: customer_id,name,email,phone,age,gender,city,signup_date).</summary>
internal readonly record struct RawCustomer(long Id, string Name, string Email, string Phone, string Age, string Gender, string City, string SignupDate);

/// <summary>
/// Reads customer_data.csv as a stream (Sep) and cleans each row the way Kith's customer handlers clean input:
/// email trimmed and lower-cased (<see cref="ContactRules.NormalizeEmail"/>), phone to E.164 with libphonenumber (kept
/// as typed and marked not valid when it does not parse), age parsed from '34', ' 34 ' or '34.0', search fields from
/// <see cref="CustomerWriter.SetSearch"/>. The file has no owner, stage or source: owners are spread over the bench
/// users and stages drawn from the id, both deterministically, so every run loads the same database.
/// </summary>
internal static class CustomerCsv
{
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();
    // The file mixes Chinese numbers written without a country code and US numbers written the US way; a business
    // with such customers would set CN as the default region, and numbers that are not Chinese are tried as US ones.
    private static readonly string[] s_regions = ["CN", "US"];

    public static IEnumerable<RawCustomer[]> ReadBatches(string path, int batchSize, long limit)
    {
        using var reader = Sep.Reader(o => o with { Unescape = true }).FromFile(path);
        var h = reader.Header;
        int id = h.IndexOf("customer_id"), name = h.IndexOf("name"), email = h.IndexOf("email"), phone = h.IndexOf("phone"),
            age = h.IndexOf("age"), gender = h.IndexOf("gender"), city = h.IndexOf("city"), signup = h.IndexOf("signup_date");
        var batch = new List<RawCustomer>(batchSize);
        long read = 0;
        foreach (var row in reader)
        {
            if (read++ >= limit) break;
            batch.Add(new RawCustomer(long.Parse(row[id].Span, CultureInfo.InvariantCulture), row[name].ToString(), row[email].ToString(),
                row[phone].ToString(), row[age].ToString(), row[gender].ToString(), row[city].ToString(), row[signup].ToString()));
            if (batch.Count == batchSize)
            {
                yield return batch.ToArray();
                batch.Clear();
            }
        }
        if (batch.Count > 0) yield return batch.ToArray();
    }

    public static Customer Clean(in RawCustomer raw, long[] owners, DateTime loadedAt)
    {
        var (phone, phoneOk) = Phone(raw.Phone);
        var h = Mix(raw.Id);
        var c = new Customer
        {
            Id = raw.Id,
            ExternalId = raw.Id.ToString(CultureInfo.InvariantCulture),
            Name = raw.Name.Trim(),
            Email = Email(raw.Email),
            Phone = phone,
            PhoneIsValid = phoneOk,
            Age = Age(raw.Age),
            Gender = raw.Gender.Trim() switch { "F" => Gender.Female, "M" => Gender.Male, "X" => Gender.Other, _ => null },
            City = ContactRules.Clean(raw.City),
            OwnerId = owners[(int)(h % (ulong)owners.Length)],
            Stage = ((h >> 20) % 100) switch { < 20 => LifecycleStage.Lead, < 40 => LifecycleStage.Prospect, < 90 => LifecycleStage.Customer, _ => LifecycleStage.Churned },
            Source = "Import",
            SignupDate = Date(raw.SignupDate),
        };
        // Older ids were created earlier, one second apart, as an import of a long-lived system's export would be.
        var created = loadedAt.AddSeconds(-(2_000_000 - raw.Id));
        c.StampCreated(Actor.Import(null, "bench"), created);
        CustomerWriter.SetSearch(c, null);
        return c;
    }

    private static string? Email(string raw)
    {
        try
        {
            return ContactRules.NormalizeEmail(raw);
        }
        catch (RuleViolation)
        {
            // A malformed address would be a row error in an import; none is in the generated file.
            return null;
        }
    }

    private static (string? Phone, bool Ok) Phone(string raw)
    {
        var p = raw.Trim();
        if (p.Length == 0) return (null, true);
        foreach (var region in s_regions)
        {
            try
            {
                var n = s_phones.Parse(p, region);
                if (s_phones.IsValidNumber(n)) return (s_phones.Format(n, PhoneNumberFormat.E164), true);
            }
            catch (NumberParseException)
            {
                // tried with the next region, then kept as typed
            }
        }
        return (p, false);
    }

    private static int? Age(string raw) =>
        double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var a) && a is >= 0 and <= 150 ? (int)Math.Round(a) : null;

    private static DateOnly? Date(string raw)
    {
        var t = raw.Trim();
        return DateOnly.TryParseExact(t, ["yyyy-MM-dd", "yyyy/MM/dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
    }

    /// <summary>SplitMix64: a well-spread hash of the id, so owners and stages do not follow id order.</summary>
    internal static ulong Mix(long id)
    {
        var z = (ulong)id + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
