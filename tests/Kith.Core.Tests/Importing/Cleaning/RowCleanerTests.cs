using Kith.Core.Importing;
using Kith.Core.Importing.Cleaning;

namespace Kith.Core.Tests.Importing.Cleaning;

public sealed class RowCleanerTests
{
    private static readonly string[] s_customerHeader = ["customer_id", "name", "email", "phone", "age", "gender", "city", "signup_date"];

    private static RowCleaner Customers(IReadOnlyDictionary<string, MissingValueRule>? policies = null, string[]? header = null) =>
        new(ColumnMapper.Map(header ?? s_customerHeader, ImportFields.For(ImportKind.Customers, [])), new ValueCleaner("CN", ["US"]), policies);

    private static Dictionary<string, MissingValueRule> Policy(string key, MissingValuePolicy policy, string? value = null) =>
        new() { [key] = new MissingValueRule(policy, value) };

    [Fact]
    public void AGenDataCustomerRowBecomesTypedValues()
    {
        var cleaner = Customers();
        var row = cleaner.Clean(2, ["7", " 王伟 ", "  USER7@EXAMPLE.COM ", "+86 138 1234 5678", "34.0", "F", "Shanghai", "2023/05/17"]);
        Assert.False(row.IsRejected);
        Assert.False(row.Flagged);
        Assert.Equal(2, row.Line);
        Assert.Equal("7", row.Text("externalId"));
        Assert.Equal("王伟", row.Text("name"));
        Assert.Equal("user7@example.com", row.Text("email"));
        Assert.Equal("+8613812345678", row.Text("phone"));
        Assert.Equal(34L, row.Integer("age"));
        Assert.Equal("female", row.Text("gender"));
        Assert.Equal(new DateOnly(2023, 5, 17), row.Date("signupDate"));
        Assert.Null(row["address"]);
        Assert.Equal(CleaningRule.Trimmed | CleaningRule.LowerCased, row.RulesOf("email"));
        Assert.Equal(row.Values[cleaner.Ordinal("age")], row["age"]);
        Assert.Equal(-1, cleaner.Ordinal("nothing"));
        Assert.Throws<ArgumentException>(() => row["nothing"]);
    }

    [Fact]
    public void ARowWithAnotherNumberOfCellsThanTheHeaderIsRejectedButTrailingBlankCellsAreNot()
    {
        var cleaner = Customers();
        var longer = cleaner.Clean(5, ["1", "A", "", "", "", "", "", "", "x"]);
        Assert.Equal([new CellIssue("", "The row has 9 cells; the header has 8.")], longer.Errors);
        Assert.Equal([new CellIssue("", "The row has 3 cells; the header has 8.")], cleaner.Clean(6, ["1", "A", ""]).Errors);
        Assert.False(cleaner.Clean(7, ["1", "A", "", "", "", "", "", "", " ", ""]).IsRejected);
    }

    [Fact]
    public void EveryBadCellOfARowIsReportedUnderItsHeaderName()
    {
        var row = Customers(header: ["ID", "姓名", "邮箱", "手机", "年龄", "性别", "城市", "注册日期"])
            .Clean(9, ["1", "王伟", "not-an-email", "call me", "abc", "Q", "Beijing", "31.02.2024"]);
        Assert.Equal(
        [
            new CellIssue("邮箱", "'not-an-email' is not an email address."),
            new CellIssue("手机", "'call me' is not a phone number: use digits, spaces, + - . ( ) only."),
            new CellIssue("年龄", "'abc' is not a whole number."),
            new CellIssue("性别", "'Q' is not one of: female, male, other."),
            new CellIssue("注册日期", "no such date: '31.02.2024'."),
        ], row.Errors);
        Assert.All(row.Values.Where((_, i) => row.Rules[i].HasFlag(CleaningRule.NotValid)), Assert.Null);
    }

    [Fact]
    public void APhoneNoRegionCanReadIsStoredAsTypedAndFlaggedNotRejected()
    {
        var row = Customers().Clean(3, ["1", "A", "", "12345", "", "", "", ""]);
        Assert.False(row.IsRejected);
        Assert.True(row.PhoneKeptAsTyped);
        Assert.Equal("12345", row.Text("phone"));
        Assert.Equal([new CellIssue("phone", "'12345' is not a valid phone number in CN or US; kept as typed.")], row.Flags);
    }

    [Fact]
    public void UnderTheRejectPolicyAMissingRequiredValueRejectsTheRowNamingItsColumnOrItsField()
    {
        var mapped = Customers().Clean(4, ["1", "   ", "a@example.com", "", "", "", "", ""]);
        Assert.Equal([new CellIssue("name", "name is required.")], mapped.Errors);
        Assert.Equal(CleaningRule.Trimmed | CleaningRule.MissingRejected, mapped.RulesOf("name"));

        var unmapped = Customers(header: ["email"]).Clean(2, ["a@example.com"]);
        Assert.Equal([new CellIssue("name", "name is required.")], unmapped.Errors);

        var chosen = Customers(Policy("email", MissingValuePolicy.Reject), ["名字", "邮箱"]).Clean(2, ["A", ""]);
        Assert.Equal([new CellIssue("邮箱", "email is required.")], chosen.Errors);
    }

    [Fact]
    public void UnderTheEmptyPolicyAMissingValueIsLeftEmptyAndCounted()
    {
        var row = Customers().Clean(2, ["1", "A", "", "", "", "", "", ""]);
        Assert.False(row.IsRejected);
        Assert.Null(row["email"]);
        Assert.Null(row.Integer("age"));
        Assert.Equal(CleaningRule.MissingLeftEmpty, row.RulesOf("email"));
    }

    [Fact]
    public void UnderTheDefaultPolicyAMissingValueTakesTheCleanedDefaultEvenWithoutAColumn()
    {
        var cleaner = Customers(new Dictionary<string, MissingValueRule>
        {
            ["age"] = new(MissingValuePolicy.Default, " 30 "),
            ["stage"] = new(MissingValuePolicy.Default, "潜在客户"),
            ["name"] = new(MissingValuePolicy.Default, "Unknown"),
        });
        var row = cleaner.Clean(2, ["1", "", "", "", "N/A", "", "", ""]);
        Assert.False(row.IsRejected);
        Assert.Equal(30L, row.Integer("age"));
        Assert.Equal("prospect", row.Text("stage"));
        Assert.Equal("Unknown", row.Text("name"));
        Assert.Equal(CleaningRule.PlaceholderAsMissing | CleaningRule.MissingDefaultUsed, row.RulesOf("age"));
        Assert.Equal(41L, cleaner.Clean(3, ["1", "B", "", "", "41", "", "", ""]).Integer("age"));

        var purchases = new RowCleaner(
            ColumnMapper.Map(["order_time", "customer_id"], ImportFields.For(ImportKind.Purchases, [])),
            new ValueCleaner("CN"), Policy("currency", MissingValuePolicy.Default, "CNY"));
        Assert.Equal("CNY", purchases.Clean(2, ["2024-03-05T10:00:00Z", "1"]).Text("currency"));
    }

    [Fact]
    public void PoliciesThatCannotWorkAreRefusedBeforeAnyRow()
    {
        Assert.Contains("'abc' is not a whole number", Assert.Throws<MappingException>(() => Customers(Policy("age", MissingValuePolicy.Default, "abc"))).Message);
        Assert.Contains("needs a default value", Assert.Throws<MappingException>(() => Customers(Policy("age", MissingValuePolicy.Default))).Message);
        Assert.Contains("name is required", Assert.Throws<MappingException>(() => Customers(Policy("name", MissingValuePolicy.Empty))).Message);
        Assert.Contains("no field 'agee'", Assert.Throws<MappingException>(() => Customers(Policy("agee", MissingValuePolicy.Empty))).Message);
    }

    [Fact]
    public void ALinkedRowNeedsItsCustomersExternalIdOrEmail()
    {
        var cleaner = new RowCleaner(ColumnMapper.Map(["order_id", "customer_id", "email", "order_time", "amount"], ImportFields.For(ImportKind.Purchases, [])), new ValueCleaner("CN"));
        Assert.False(cleaner.Clean(2, ["1", "", "a@example.com", "2024-03-05T10:20:30Z", "¥12.50"]).IsRejected);
        Assert.False(cleaner.Clean(3, ["2", "17", "", "2024-03-05T10:20:30Z", ""]).IsRejected);
        var neither = cleaner.Clean(4, ["3", "", "", "2024-03-05T10:20:30Z", "5"]);
        Assert.Equal([new CellIssue("customer_id", "customerExternalId or customerEmail is required.")], neither.Errors);
        Assert.Equal(CleaningRule.MissingRejected, neither.RulesOf("customerExternalId"));
        // A bad email is its own error; the group does not pile a second one on.
        var bad = cleaner.Clean(5, ["4", "", "nope", "2024-03-05T10:20:30Z", "5"]);
        Assert.Equal([new CellIssue("email", "'nope' is not an email address.")], bad.Errors);
        var untimed = cleaner.Clean(6, ["5", "1", "", "", "5"]);
        Assert.Equal([new CellIssue("order_time", "orderedAt is required.")], untimed.Errors);
    }

    [Fact]
    public void MultiLineContentKeepsItsLineBreaksThroughARow()
    {
        var cleaner = new RowCleaner(
            ColumnMapper.Map(["communication_id", "customer_id", "communication_time", "subject", "content"], ImportFields.For(ImportKind.Communications, [])),
            new ValueCleaner("CN"));
        var row = cleaner.Clean(2, ["1", "1", "2024-03-05T10:20:30Z", "Re:\nticket", "Customer said: \"wrong\"\nSecond line"]);
        Assert.Equal("Customer said: \"wrong\"\nSecond line", row.Text("content"));
        Assert.Equal("Re: ticket", row.Text("subject"));
        Assert.Equal(new DateTime(2024, 3, 5, 10, 20, 30, DateTimeKind.Utc), row.Instant("occurredAt"));
    }

    [Fact]
    public void StatsCountEachRuleAndMissingValuePerFieldAndAddUpAcrossThreads()
    {
        var cleaner = Customers();
        var rows = Enumerable.Range(0, 10_000).Select(i => new[]
        {
            (i + 1).ToString(), i % 50 == 0 ? "" : "Name " + i, i % 10 == 0 ? "" : i % 3 == 0 ? $" USER{i}@EXAMPLE.COM" : $"user{i}@example.com",
            i % 2 == 0 ? "13812345678" : "+8613812345678", i % 4 == 0 ? "34.0" : "34", "F", "Beijing", "2024-03-05",
        }).ToArray();

        var sequential = cleaner.CreateStats();
        foreach (var (cells, i) in rows.Select((r, i) => (r, i))) sequential.Add(cleaner.Clean(i + 2, cells));

        var total = new CleaningStats();
        Parallel.For(0, rows.Length, cleaner.CreateStats, (i, _, local) =>
        {
            cleaner.Clean(i + 2, rows[i], local);
            return local;
        }, total.Add);

        Assert.Equal(sequential.Describe(), total.Describe());
        Assert.Equal(10_000, total.Rows);
        Assert.Equal(200, total.RejectedRows);
        var email = total["email"];
        Assert.Equal(1000, email.LeftEmpty);
        Assert.Equal(3000, email.Count(CleaningRule.LowerCased));
        Assert.Equal(3000, email.Count(CleaningRule.Trimmed));
        Assert.Equal("email: 3000 trimmed, 3000 lower-cased, 1000 missing (left empty)", total.Describe().Single(d => d.StartsWith("email:", StringComparison.Ordinal)));
        Assert.Equal(200, total["name"].MissingRejected);
        Assert.Equal(2500, total["age"].Count(CleaningRule.ReadAsWholeNumber));
        Assert.Equal(5000, total["phone"].Count(CleaningRule.PhoneFormatted));
        Assert.Equal(new Dictionary<string, long> { ["read as a listed choice"] = 10_000 }, total.ToSummary()["gender"]);
        Assert.False(total.ToSummary().ContainsKey("city"));
    }
}
