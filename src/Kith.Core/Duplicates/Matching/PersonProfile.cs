namespace Kith.Core.Duplicates.Matching;

/// <summary>The signals the blocks group people by; a capped block (<see cref="CappedBlock"/>) names one.</summary>
public enum MatchSignal { Email, Phone, EmailLocalPart, NameAndCompany }

/// <summary>A person's values in the form the rules compare: normalised once, compared many times.</summary>
internal sealed class PersonProfile
{
    public PersonProfile(PersonKey person)
    {
        Person = person;
        Email = ContactKeys.Email(person.Email);
        (LocalPart, SharedMailbox) = ContactKeys.LocalPart(Email);
        Phone = ContactKeys.Phone(person.Phone);
        NationalNumber = ContactKeys.NationalNumber(Phone);
        Company = ContactKeys.Company(person.CompanyName);
    }

    public PersonKey Person { get; }
    public long Id => Person.Id;
    /// <summary>The normalised name, worked out when first needed: blocking does not need it, and most people share no block.</summary>
    public string Name => _name ??= NameSimilarity.Normalise(Person.Name);
    private string? _name;
    public string? Email { get; }
    /// <summary>The part before the @ when it is distinctive enough to tie two addresses at different domains together.</summary>
    public string? LocalPart { get; }
    /// <summary>A role or placeholder address (info@, sales@, none@): several people may share it.</summary>
    public bool SharedMailbox { get; }
    public string? Phone { get; }
    /// <summary>
    /// The phone without its country code: a number typed without one is read in the workspace's default region,
    /// so one person's US number can be stored as +1 310... and, typed the US way in a CN workspace, as +86 310....
    /// </summary>
    public string? NationalNumber { get; }
    public string? Company { get; }
    /// <summary>Normalised when first compared ("" marks a person without one): only a supporting signal.</summary>
    public string? City => (_city ??= ContactKeys.Place(Person.City) ?? "") is { Length: > 0 } city ? city : null;
    private string? _city;

    /// <summary>The value this person is blocked under for a signal, or null when the person has none.</summary>
    public string? BlockValue(MatchSignal signal) => signal switch
    {
        MatchSignal.Email => Email,
        MatchSignal.Phone => NationalNumber,
        MatchSignal.EmailLocalPart => LocalPart,
        _ => Company is null || Name.Length == 0 ? null : Name + " @ " + Company,
    };
}

/// <summary>The keys contact values are compared by; each returns null for a value that cannot tie two people together.</summary>
internal static class ContactKeys
{
    /// <summary>Role, team and placeholder mailboxes: an address with one of these before the @ may belong to several people.</summary>
    private static readonly HashSet<string> s_shared = new(StringComparer.Ordinal)
    {
        "info", "sales", "admin", "administrator", "contact", "contacts", "support", "help", "helpdesk", "hello", "hi",
        "office", "mail", "email", "e-mail", "service", "services", "team", "marketing", "billing", "accounts", "accounting",
        "finance", "hr", "jobs", "careers", "recruiting", "noreply", "no-reply", "donotreply", "webmaster", "postmaster",
        "hostmaster", "abuse", "enquiries", "enquiry", "inquiries", "inquiry", "orders", "order", "shop", "store",
        "feedback", "press", "media", "pr", "reception", "frontdesk", "purchasing", "procurement", "legal", "privacy",
        "security", "it", "ops", "operations", "customer", "customers", "customerservice", "cs", "kefu", "service-center",
        "general", "main", "booking", "bookings", "reservations", "events", "news", "newsletter", "test", "testing",
        "user", "demo", "example", "none", "noemail", "no-email", "nomail", "null", "na", "n.a", "unknown", "nobody",
        "anonymous", "guest", "default", "xxx", "abc", "asdf", "qq", "mailbox",
    };

    /// <summary>Trimmed and lower-cased; null unless it has something before and after a single @.</summary>
    public static string? Email(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return null;
        var e = email.Trim();
        if (HasUpper(e)) e = e.ToLowerInvariant();
        var at = e.IndexOf('@');
        return at > 0 && at < e.Length - 1 && at == e.LastIndexOf('@') ? e : null;
    }

    /// <summary>
    /// The local part without a "+tag", when it is distinctive (five characters or more and not a role or
    /// placeholder name), and whether the address is a shared mailbox.
    /// </summary>
    public static (string? LocalPart, bool Shared) LocalPart(string? email)
    {
        if (email is null) return (null, false);
        var local = email.AsSpan(0, email.IndexOf('@'));
        var plus = local.IndexOf('+');
        if (plus > 0) local = local[..plus];
        var lookup = s_shared.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.Contains(local) || IsRepeated(local)) return (null, true);
        return local.Length >= 5 ? (local.ToString(), false) : (null, false);
    }

    /// <summary>Digits, with the leading + of an international number; null below seven digits (extensions, short codes, junk).</summary>
    public static string? Phone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone)) return null;
        var p = phone.AsSpan().Trim();
        var plus = p[0] == '+';
        var digits = 0;
        var plain = true;
        for (var i = 0; i < p.Length; i++)
        {
            if (char.IsAsciiDigit(p[i])) digits++;
            else if (!(i == 0 && plus)) plain = false;
        }
        if (digits < 7) return null;
        if (plain) return p.Length == phone.Length ? phone : p.ToString();
        return string.Create(digits + (plus ? 1 : 0), phone, static (span, source) =>
        {
            var k = 0;
            var s = source.AsSpan().Trim();
            if (s[0] == '+') span[k++] = '+';
            foreach (var c in s)
            {
                if (char.IsAsciiDigit(c)) span[k++] = c;
            }
        });
    }

    /// <summary>
    /// The digits after the country code of an international number (country codes per ITU-T E.164: 1 and 7 are one
    /// digit, a fixed set two, the rest three), or the digits without leading zeros (trunk or international prefix) of
    /// a number kept as typed.
    /// </summary>
    public static string? NationalNumber(string? phoneKey)
    {
        if (phoneKey is null) return null;
        if (phoneKey[0] != '+') return phoneKey.TrimStart('0') is { Length: >= 7 } n ? n : null;
        var digits = phoneKey.AsSpan(1);
        var code = digits[0] is '1' or '7' ? 1 : digits.Length >= 2 && s_twoDigitCodes.Contains((digits[0] - '0') * 10 + digits[1] - '0') ? 2 : 3;
        return digits.Length - code >= 7 ? phoneKey[(1 + code)..] : null;
    }

    private static readonly HashSet<int> s_twoDigitCodes =
    [
        20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58,
        60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
    ];

    /// <summary>A company name normalised like a person's name, without its legal form ("Acme Inc." = "acme").</summary>
    public static string? Company(string? company)
    {
        var c = NameSimilarity.Normalise(company);
        foreach (var suffix in s_legalForms)
        {
            if (c.Length > suffix.Length + 1 && c.EndsWith(suffix, StringComparison.Ordinal))
            {
                var rest = c[..^suffix.Length];
                if (rest[^1] == ' ') { c = rest.TrimEnd(); break; }
                if (NameSimilarity.HasCjk(suffix)) { c = rest; break; }
            }
        }
        return c.Length == 0 ? null : c;
    }

    private static readonly string[] s_legalForms =
    [
        "股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "incorporated", "corporation", "company", "limited", "gmbh",
        "inc", "ltd", "llc", "corp", "plc", "co", "ag", "sa", "bv", "pty", "srl", "sarl", "kk",
    ];

    public static string? Place(string? city)
    {
        var c = NameSimilarity.Normalise(city);
        return c.Length == 0 ? null : c;
    }

    private static bool HasUpper(string s)
    {
        foreach (var c in s)
        {
            if (char.IsUpper(c)) return true;
        }
        return false;
    }

    /// <summary>"aaaaa", "11111": a placeholder typed to get past a required field.</summary>
    private static bool IsRepeated(ReadOnlySpan<char> s)
    {
        if (s.Length < 2) return false;
        foreach (var c in s)
        {
            if (c != s[0]) return false;
        }
        return true;
    }
}
