using Kith.Core.Customers;
using Kith.Core.Importing.Cleaning;
using Kith.Core.Infrastructure;

namespace Kith.Core.Tests.Importing.Cleaning;

public sealed class ValueCleanerTests
{
    private static readonly ValueCleaner s_cn = new("CN", ["US"]);
    private static readonly ValueCleaner s_us = new("us");

    private static void Good(CleanResult r, object expected, CleaningRule rules = CleaningRule.None)
    {
        Assert.Null(r.Error);
        Assert.Equal(expected, r.Value);
        Assert.Equal(rules, r.Rules);
    }

    private static void Bad(CleanResult r, string message)
    {
        Assert.Null(r.Value);
        Assert.Equal(message, r.Error);
    }

    [Fact]
    public void TextIsTrimmedWithInnerWhitespaceCollapsedControlCharactersRemovedAndItsLengthChecked()
    {
        Good(s_cn.Text("Wang Wei"), "Wang Wei");
        Good(s_cn.Text("  Wang \t  Wei\u3000"), "Wang Wei", CleaningRule.Trimmed | CleaningRule.WhitespaceCollapsed);
        Good(s_cn.Text("a\nb"), "a b", CleaningRule.WhitespaceCollapsed);
        Good(s_cn.Text("a\0b"), "ab", CleaningRule.ControlCharactersRemoved);
        Good(s_cn.Text("王伟"), "王伟");
        Assert.True(s_cn.Text("   ").IsMissing);
        Assert.True(s_cn.Text(null).IsMissing);
        Good(s_cn.Text("N/A"), "N/A");
        Bad(s_cn.Text("abcdef", maxLength: 5), "'abcdef' has 6 characters; at most 5 are allowed.");
        Bad(s_cn.Text(new string('x', 60), maxLength: 50), $"'{new string('x', 40)}…' has 60 characters; at most 50 are allowed.");
    }

    [Fact]
    public void MultiLineTextKeepsItsLineBreaksAndCollapsesSpacesAroundThem()
    {
        Good(s_cn.Text("Customer said: \"the invoice, again, is wrong\"\nSecond line of the note", multiLine: true),
            "Customer said: \"the invoice, again, is wrong\"\nSecond line of the note");
        Good(s_cn.Text(" line  one  \r\n\tline two ", multiLine: true), "line one\r\nline two",
            CleaningRule.Trimmed | CleaningRule.WhitespaceCollapsed);
    }

    [Fact]
    public void ACellTheExporterNeutralisedLosesItsLeadingQuoteSoExportThenImportIsTheIdentity()
    {
        Good(s_cn.Text("'=SUM(A1)"), "=SUM(A1)", CleaningRule.ExportQuoteRemoved);
        Good(s_cn.Text("'@home"), "@home", CleaningRule.ExportQuoteRemoved);
        Good(s_cn.Text("''quoted"), "'quoted", CleaningRule.ExportQuoteRemoved);
        Good(s_cn.Text("'hello"), "'hello");
        Good(s_cn.Text("'"), "'");
        Good(s_cn.Integer("'-5"), -5L, CleaningRule.ExportQuoteRemoved);
        Good(s_cn.Phone("'+8613812345678"), "+8613812345678", CleaningRule.ExportQuoteRemoved);

        var random = new Random(20241124);
        const string alphabet = "=+-@\t\r'\" ,;\n王伟ab1";
        for (var i = 0; i < 2000; i++)
        {
            var value = new string(Enumerable.Range(0, random.Next(0, 8)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var exported = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'' ? "'" + value : value;
            Assert.Equal(value, ValueCleaner.RemoveExportQuote(exported));
        }
    }

    [Fact]
    public void EmailsAreTrimmedLowerCasedAndChecked()
    {
        Good(s_cn.Email("  USER1@EXAMPLE.COM "), "user1@example.com", CleaningRule.Trimmed | CleaningRule.LowerCased);
        Good(s_cn.Email("James.Smith12@example.com"), "james.smith12@example.com", CleaningRule.LowerCased);
        Good(s_cn.Email("ｕｓｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ"), "user@example.com", CleaningRule.FullWidthConverted);
        Assert.True(s_cn.Email("").IsMissing);
        Assert.Equal(CleaningRule.PlaceholderAsMissing, s_cn.Email("N/A").Rules);
        Bad(s_cn.Email("not an email"), "'not an email' is not an email address.");
        Bad(s_cn.Email("a@b"), "'a@b' is not an email address.");
    }

    [Fact]
    public void TheEmailCheckAgreesWithTheRuleCustomersAreSavedUnder()
    {
        string[] samples =
        [
            "user1@example.com", "a.b+c@mail.example.co.uk", "x_y-z@sub-domain.example.org", "1@2.3", "a@b.c",
            "a..b@example.com", ".a@example.com", "a.@example.com", "a@-example.com", "a@example-.com", "a@example..com",
            "a@@example.com", "a@example.com.", "a b@example.com", "\"a\"@example.com", "a@[127.0.0.1]", "a(b)@example.com",
            "王伟@例子.中国", "a#b@example.com", "a!b@example.com", "a/b@example.com", "a@b_c.com", "a@.example.com",
            "@example.com", "a@", "a@example", "ab@e.x-y", "a@1.2.3.4", "a{b}@example.com", "a%b@example.com",
        ];
        foreach (var sample in samples)
        {
            string? expected;
            try { expected = ContactRules.NormalizeEmail(sample); }
            catch (RuleViolation) { expected = null; }
            Assert.True(expected == (string?)s_cn.Email(sample).Value, $"'{sample}': the rule says {expected ?? "invalid"}, cleaning says {s_cn.Email(sample).Value ?? s_cn.Email(sample).Error}.");
        }
    }

    [Fact]
    public void PhonesBecomeE164WithTheDefaultRegionThenTheFallbackAndAnUnreadableNumberIsKeptAsTypedAndFlagged()
    {
        Good(s_cn.Phone("13812345678"), "+8613812345678", CleaningRule.PhoneFormatted);
        Good(s_cn.Phone("+86 138 1234 5678"), "+8613812345678", CleaningRule.PhoneFormatted);
        Good(s_cn.Phone("+14155550123"), "+14155550123");
        Good(s_cn.Phone("(415) 555-0123"), "+14155550123", CleaningRule.PhoneFormatted | CleaningRule.PhoneFallbackRegion);
        Good(s_us.Phone("(415) 555-0123"), "+14155550123", CleaningRule.PhoneFormatted);
        Good(s_us.Phone("13812345678"), "13812345678", CleaningRule.PhoneKeptAsTyped);
        Good(new ValueCleaner("US", ["CN"]).Phone("13812345678"), "+8613812345678", CleaningRule.PhoneFormatted | CleaningRule.PhoneFallbackRegion);
        // A Chinese landline is written with its trunk 0; without it, a fallback region that reads the number wins.
        Good(s_cn.Phone("(0415) 555-0123"), "+864155550123", CleaningRule.PhoneFormatted);
        Good(s_cn.Phone("021-6234 5678"), "+862162345678", CleaningRule.PhoneFormatted);
        Good(new ValueCleaner("CN").Phone("4155550123"), "+864155550123", CleaningRule.PhoneFormatted);
        Good(s_cn.Phone("１３８１２３４５６７８"), "+8613812345678", CleaningRule.FullWidthConverted | CleaningRule.PhoneFormatted);
        Good(s_cn.Phone(" 12345 "), "12345", CleaningRule.Trimmed | CleaningRule.PhoneKeptAsTyped);
        Good(s_cn.Phone("123  45\t6"), "123 45 6", CleaningRule.WhitespaceCollapsed | CleaningRule.PhoneKeptAsTyped);
        Good(s_cn.Phone("+999 1234"), "+999 1234", CleaningRule.PhoneKeptAsTyped);
        Bad(s_cn.Phone("call me"), "'call me' is not a phone number: use digits, spaces, + - . ( ) only.");
        Bad(s_cn.Phone("12"), "'12' is not a phone number: it has fewer than 3 digits.");
        Bad(s_cn.Phone(new string('1', 41)), $"'{new string('1', 40)}…' has 41 characters; at most 40 are allowed.");
        Assert.True(s_cn.Phone("-").IsMissing);
        Assert.Throws<ArgumentException>(() => new ValueCleaner("XX"));
    }

    [Theory]
    [InlineData("34", 34L, CleaningRule.None)]
    [InlineData(" 34 ", 34L, CleaningRule.Trimmed)]
    [InlineData("34.0", 34L, CleaningRule.ReadAsWholeNumber)]
    [InlineData("1,234", 1234L, CleaningRule.ThousandsSeparatorsRemoved)]
    [InlineData("-1,234,567.00", -1234567L, CleaningRule.ThousandsSeparatorsRemoved | CleaningRule.ReadAsWholeNumber)]
    [InlineData("＋１２", 12L, CleaningRule.FullWidthConverted)]
    [InlineData("007", 7L, CleaningRule.None)]
    public void WholeNumbersAreReadInTheFormsSpreadsheetsWrite(string raw, long expected, CleaningRule rules) =>
        Good(s_cn.Integer(raw), expected, rules);

    [Theory]
    [InlineData("abc", "'abc' is not a whole number.")]
    [InlineData("34.5", "'34.5' is not a whole number.")]
    [InlineData("1,23", "'1,23' is not a whole number.")]
    [InlineData("12,3456", "'12,3456' is not a whole number.")]
    [InlineData("3 4", "'3 4' is not a whole number.")]
    [InlineData("34.", "'34.' is not a whole number.")]
    [InlineData("$5", "'$5' is not a whole number.")]
    [InlineData("99999999999999999999", "'99999999999999999999' is too large a number.")]
    public void WhatIsNotAWholeNumberIsRefusedAndQuoted(string raw, string message) => Bad(s_cn.Integer(raw), message);

    [Fact]
    public void AWholeNumberOutsideItsFieldsBoundsIsRefused()
    {
        Bad(s_cn.Integer("151", 0, 150), "'151' is not between 0 and 150.");
        Bad(s_cn.Integer("-1", 0), "'-1' is less than 0.");
        Bad(s_cn.Integer("11", maximum: 10), "'11' is more than 10.");
        Good(s_cn.Integer("150", 0, 150), 150L);
        Assert.True(s_cn.Integer("NaN").IsMissing);
    }

    [Theory]
    [InlineData("12.5", "12.5", CleaningRule.None)]
    [InlineData("1,234.50", "1234.50", CleaningRule.ThousandsSeparatorsRemoved)]
    [InlineData("¥12.50", "12.50", CleaningRule.CurrencySymbolRemoved)]
    [InlineData("￥12.50", "12.50", CleaningRule.FullWidthConverted | CleaningRule.CurrencySymbolRemoved)]
    [InlineData("$ 12.50", "12.50", CleaningRule.CurrencySymbolRemoved)]
    [InlineData("-$5", "-5", CleaningRule.CurrencySymbolRemoved)]
    [InlineData("12.50元", "12.50", CleaningRule.CurrencySymbolRemoved)]
    [InlineData("99 €", "99", CleaningRule.CurrencySymbolRemoved)]
    [InlineData("-0.001", "-0.001", CleaningRule.None)]
    public void DecimalsAreReadInvariantlyWithCurrencySymbolsStripped(string raw, string expected, CleaningRule rules) =>
        Good(s_cn.Decimal(raw), decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), rules);

    [Fact]
    public void WhatIsNotADecimalIsRefusedAndADecimalCommaIsExplained()
    {
        Bad(s_cn.Decimal("abc"), "'abc' is not a number.");
        Bad(s_cn.Decimal("$$5"), "'$$5' is not a number.");
        Bad(s_cn.Decimal("12,50"), "'12,50' is not a number: write decimals with a point and thousands with commas (1,234.50).");
        Bad(s_cn.Decimal("1e5"), "'1e5' is not a number.");
    }

    [Theory]
    [InlineData("2024-03-05", CleaningRule.None)]
    [InlineData("2024/03/05", CleaningRule.DateFormatConverted)]
    [InlineData("2024.03.05", CleaningRule.DateFormatConverted)]
    [InlineData("2024-3-5", CleaningRule.DateFormatConverted)]
    [InlineData("20240305", CleaningRule.DateFormatConverted)]
    [InlineData("05.03.2024", CleaningRule.DateFormatConverted)]
    [InlineData("05/03/2024", CleaningRule.DateFormatConverted)]
    [InlineData("5-3-2024", CleaningRule.DateFormatConverted)]
    [InlineData("2024年3月5日", CleaningRule.DateFormatConverted)]
    [InlineData("2024年03月05号", CleaningRule.DateFormatConverted)]
    [InlineData("45356", CleaningRule.ExcelSerialConverted)]
    [InlineData("45356.75", CleaningRule.ExcelSerialConverted | CleaningRule.TimeDropped)]
    [InlineData("2024-03-05 10:20:30", CleaningRule.TimeDropped)]
    [InlineData("2024-03-05T23:59:59+08:00", CleaningRule.TimeDropped)]
    [InlineData("２０２４－０３－０５", CleaningRule.FullWidthConverted)]
    public void DatesAreReadInEveryFormThatMeansTheFifthOfMarch2024OutsideTheUs(string raw, CleaningRule rules) =>
        Good(s_cn.Date(raw), new DateOnly(2024, 3, 5), rules);

    [Fact]
    public void InTheUsASlashedDateIsMonthFirstButADottedOneStaysDayFirst()
    {
        Good(s_us.Date("03/05/2024"), new DateOnly(2024, 3, 5), CleaningRule.DateFormatConverted);
        Good(s_us.Date("05.03.2024"), new DateOnly(2024, 3, 5), CleaningRule.DateFormatConverted);
        Good(new ValueCleaner("CN", monthFirstDates: true).Date("03/05/2024"), new DateOnly(2024, 3, 5), CleaningRule.DateFormatConverted);
    }

    [Fact]
    public void ExcelSerialNumbersCountFrom1900AndSkipItsPhantomLeapDay()
    {
        Good(s_cn.Date("1"), new DateOnly(1900, 1, 1), CleaningRule.ExcelSerialConverted);
        Good(s_cn.Date("59"), new DateOnly(1900, 2, 28), CleaningRule.ExcelSerialConverted);
        Good(s_cn.Date("61"), new DateOnly(1900, 3, 1), CleaningRule.ExcelSerialConverted);
        Good(s_cn.Date("2958465"), new DateOnly(9999, 12, 31), CleaningRule.ExcelSerialConverted);
        Bad(s_cn.Date("60"), "no such date: '60'.");
        Bad(s_cn.Date("2958466"), "'2958466' is not a date; write it as yyyy-MM-dd.");
        Bad(s_cn.Date("0"), "'0' is not a date; write it as yyyy-MM-dd.");
        Bad(s_cn.Date("2024"), "'2024' is a year alone, not a date.");
    }

    [Theory]
    [InlineData("31.02.2024", "no such date: '31.02.2024'.")]
    [InlineData("2024-02-30", "no such date: '2024-02-30'.")]
    [InlineData("2023-02-29", "no such date: '2023-02-29'.")]
    [InlineData("2024-13-01", "no such date: '2024-13-01'.")]
    [InlineData("03/25/2024", "no such date: '03/25/2024' (read as day/month/year).")]
    [InlineData("2024年2月30日", "no such date: '2024年2月30日'.")]
    [InlineData("abc", "'abc' is not a date; write it as yyyy-MM-dd.")]
    [InlineData("05/03/24", "'05/03/24' is not a date; write it as yyyy-MM-dd.")]
    [InlineData("2024-03-05 25:00", "'2024-03-05 25:00' is not a date; write it as yyyy-MM-dd.")]
    public void ImpossibleAndUnreadableDatesAreRefused(string raw, string message) => Bad(s_cn.Date(raw), message);

    [Fact]
    public void LeapDaysExistInLeapYears() =>
        Good(s_cn.Date("29.02.2024"), new DateOnly(2024, 2, 29), CleaningRule.DateFormatConverted);

    [Theory]
    [InlineData("2024-03-05T10:20:30Z", "2024-03-05T10:20:30", CleaningRule.None)]
    [InlineData("2024-03-05T10:20:30.25z", "2024-03-05T10:20:30.25", CleaningRule.None)]
    [InlineData("2024-03-05 10:20:30", "2024-03-05T10:20:30", CleaningRule.UtcAssumed)]
    [InlineData("2024-03-05T10:20", "2024-03-05T10:20:00", CleaningRule.UtcAssumed)]
    [InlineData("2024-03-05T10:20:30+08:00", "2024-03-05T02:20:30", CleaningRule.ConvertedToUtc)]
    [InlineData("2024-03-05T01:20:30+0800", "2024-03-04T17:20:30", CleaningRule.ConvertedToUtc)]
    [InlineData("2024-03-05T10:20:30-05", "2024-03-05T15:20:30", CleaningRule.ConvertedToUtc)]
    [InlineData("2024-03-05 10:20:30 UTC", "2024-03-05T10:20:30", CleaningRule.None)]
    [InlineData("2024-03-05T10:20:30+00:00", "2024-03-05T10:20:30", CleaningRule.None)]
    [InlineData("2024-03-05", "2024-03-05T00:00:00", CleaningRule.MidnightAssumed)]
    [InlineData("05.03.2024", "2024-03-05T00:00:00", CleaningRule.DateFormatConverted | CleaningRule.MidnightAssumed)]
    [InlineData("2024/03/05 2:30 PM", "2024-03-05T14:30:00", CleaningRule.DateFormatConverted | CleaningRule.UtcAssumed)]
    [InlineData("2024/03/05 12:05 am", "2024-03-05T00:05:00", CleaningRule.DateFormatConverted | CleaningRule.UtcAssumed)]
    [InlineData("2024年3月5日 10:20", "2024-03-05T10:20:00", CleaningRule.DateFormatConverted | CleaningRule.UtcAssumed)]
    [InlineData("2024年3月5日10:20", "2024-03-05T10:20:00", CleaningRule.DateFormatConverted | CleaningRule.UtcAssumed)]
    [InlineData("45356.5", "2024-03-05T12:00:00", CleaningRule.ExcelSerialConverted | CleaningRule.UtcAssumed)]
    public void MomentsAreReadAsUtc(string raw, string expected, CleaningRule rules)
    {
        var r = s_cn.Instant(raw);
        Good(r, DateTime.SpecifyKind(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc), rules);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)r.Value!).Kind);
    }

    [Theory]
    [InlineData("2024-03-05T24:00:00Z", "'2024-03-05T24:00:00Z' is not a date and time; write it as yyyy-MM-ddTHH:mm:ssZ.")]
    [InlineData("2024-03-05T10:60Z", "'2024-03-05T10:60Z' is not a date and time; write it as yyyy-MM-ddTHH:mm:ssZ.")]
    [InlineData("2024-03-05T10:20:30+15:00", "'2024-03-05T10:20:30+15:00' is not a date and time; write it as yyyy-MM-ddTHH:mm:ssZ.")]
    [InlineData("2024-03-05T10:20:30 Mars", "'2024-03-05T10:20:30 Mars' is not a date and time; write it as yyyy-MM-ddTHH:mm:ssZ.")]
    [InlineData("yesterday", "'yesterday' is not a date and time; write it as yyyy-MM-ddTHH:mm:ssZ.")]
    [InlineData("2024-02-30T10:00:00Z", "no such date: '2024-02-30T10:00:00Z'.")]
    [InlineData("2024-02-30", "no such date: '2024-02-30'.")]
    [InlineData("0001-01-01T00:00:00+01:00", "'0001-01-01T00:00:00+01:00' is out of the range of dates.")]
    public void UnreadableMomentsAreRefused(string raw, string message) => Bad(s_cn.Instant(raw), message);

    [Fact]
    public void TheCanonicalMomentFormIsReadAsTheGeneralPathReadsIt()
    {
        // yyyy-MM-ddTHH:mm:ssZ has a shortcut; with a space for the T the same text takes the general path.
        var random = new Random(30);
        var samples = Enumerable.Range(0, 2_000).Select(_ =>
                $"{random.Next(0, 10_000):0000}-{random.Next(0, 14):00}-{random.Next(0, 33):00}T{random.Next(0, 26):00}:{random.Next(0, 62):00}:{random.Next(0, 62):00}Z")
            .Concat(["2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                "2024-03-05T24:00:00Z", "2024-03-05T10:20:60Z", "2024-3-05T10:20:30Z", "2024-03-05T10:20:30z", " 2024-03-05T10:20:30Z "]);
        foreach (var canonical in samples)
        {
            var general = canonical.Replace('T', ' ');
            var (a, b) = (s_cn.Instant(canonical), s_cn.Instant(general));
            Assert.Equal((b.Value, b.Rules, b.Error?.Replace(general.Trim(), canonical.Trim())), (a.Value, a.Rules, a.Error));
        }
    }

    [Fact]
    public void ChoicesMatchIgnoringCaseAndThroughTheirSynonymsInBothLanguages()
    {
        var gender = ImportFields.For(Kith.Core.Importing.ImportKind.Customers, []).Single(f => f.Key == "gender");
        foreach (var (raw, expected) in new[] { ("F", "female"), ("female", "female"), ("女", "female"), ("w", "female"), ("M", "male"), ("男", "male"), ("X", "other"), ("其他", "other"), ("Other", "other") })
            Assert.Equal(expected, s_cn.Clean(raw, gender).Value);
        Assert.Equal(CleaningRule.None, s_cn.Clean("female", gender).Rules);
        Assert.Equal(CleaningRule.ChoiceMapped, s_cn.Clean("F", gender).Rules);
        Bad(s_cn.Clean("abc", gender), "'abc' is not one of: female, male, other.");
        Assert.True(s_cn.Clean("", gender).IsMissing);
        Assert.Equal(CleaningRule.PlaceholderAsMissing, s_cn.Clean("N/A", gender).Rules);

        var stage = ImportFields.For(Kith.Core.Importing.ImportKind.Customers, []).Single(f => f.Key == "stage");
        Assert.Equal(["lead", "prospect", "customer", "churned"], new[] { "线索", "潜在客户", "客户", "流失" }.Select(s => s_cn.Clean(s, stage).Value));
        var direction = ImportFields.For(Kith.Core.Importing.ImportKind.Communications, []).Single(f => f.Key == "direction");
        Assert.Equal(["inbound", "inbound", "inbound", "outbound", "outbound", "outbound"], new[] { "inbound", "IN", "来电", "outbound", "out", "去电" }.Select(s => s_cn.Clean(s, direction).Value));

        // A custom choice keeps the spelling its definition gives, and "None" can be a real choice.
        Good(s_cn.Choice("GOLD", ["Gold", "None"]), "Gold", CleaningRule.ChoiceMapped);
        Good(s_cn.Choice("none", ["Gold", "None"]), "None", CleaningRule.ChoiceMapped);
    }

    [Fact]
    public void TagsAreSplitTrimmedAndDeduplicatedAndEachIsAtMostFiftyCharacters()
    {
        var r = s_cn.Tags(" vip; 重要，VIP ,new  customer；；老客户、x ");
        Assert.Equal(["vip", "重要", "new customer", "老客户", "x"], (string[])r.Value!);
        Assert.Equal(CleaningRule.Trimmed | CleaningRule.DuplicateTagsRemoved | CleaningRule.WhitespaceCollapsed, r.Rules);
        Assert.True(s_cn.Tags(" ; , ").IsMissing);
        Bad(s_cn.Tags("ok; " + new string('t', 51)), $"The tag '{new string('t', 40)}…' has 51 characters; at most 50 are allowed.");
    }

    [Fact]
    public void CleanDispatchesOnTheFieldTypeAndUsesItsLimits()
    {
        var fields = ImportFields.For(Kith.Core.Importing.ImportKind.Customers, []).ToDictionary(f => f.Key);
        Assert.Equal(34L, s_cn.Clean(" 34 ", fields["age"]).Value);
        Bad(s_cn.Clean("200", fields["age"]), "'200' is not between 0 and 150.");
        Assert.Equal("+8613812345678", s_cn.Clean("13812345678", fields["phone"]).Value);
        Assert.Equal(new DateOnly(2024, 3, 5), s_cn.Clean("2024/03/05", fields["signupDate"]).Value);
        Assert.Equal("boss@example.com", s_cn.Clean("Boss@Example.com", fields["owner"]).Value);
        Assert.Equal(["a", "b"], (string[])s_cn.Clean("a;b", fields["tags"]).Value!);
        Assert.NotNull(s_cn.Clean(new string('x', 201), fields["name"]).Error);
    }
}
