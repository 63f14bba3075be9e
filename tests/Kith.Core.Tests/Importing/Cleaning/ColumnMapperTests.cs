using Kith.Core.Importing;
using Kith.Core.Importing.Cleaning;
using ValueType = Kith.Core.Importing.Cleaning.ValueType;

namespace Kith.Core.Tests.Importing.Cleaning;

public sealed class ColumnMapperTests
{
    private static string?[] Keys(ImportKind kind, params string[] header) =>
        ColumnMapper.Map(header, ImportFields.For(kind, [])).Columns.Select(f => f?.Key).ToArray();

    [Fact]
    public void TheGenDataHeadersMapWithoutOptionsAndCustomerIdMeansTheExternalIdOnlyInTheCustomerFile()
    {
        Assert.Equal(["externalId", "name", "email", "phone", "age", "gender", "city", "signupDate"],
            Keys(ImportKind.Customers, "customer_id", "name", "email", "phone", "age", "gender", "city", "signup_date"));
        Assert.Equal(["orderId", "customerExternalId", "orderedAt", "product", "category", "quantity", "unitPrice", "amount"],
            Keys(ImportKind.Purchases, "order_id", "customer_id", "order_time", "product", "category", "quantity", "unit_price", "amount"));
        Assert.Equal(["communicationId", "customerExternalId", "channel", "direction", "occurredAt", "subject", "content", "outcome"],
            Keys(ImportKind.Communications, "communication_id", "customer_id", "channel", "direction", "communication_time", "subject", "content", "outcome"));
        Assert.Equal(["eventId", "customerExternalId", "type", "occurredAt", "page"],
            Keys(ImportKind.Events, "event_id", "customer_id", "event_type", "behavior_time", "page"));
    }

    [Fact]
    public void EnglishHeadersMapIgnoringCaseSpacesPunctuationAndFullWidthForms()
    {
        Assert.Equal(["name", "email", "phone", "birthDate", "signupDate", "externalId", "company", "stage", "source", "owner"],
            Keys(ImportKind.Customers, "Full Name", "E-Mail", "Mobile", "Date of Birth", "Registration_Date", " Customer ID ", "Organization", "Lifecycle Stage", "lead-source", "OWNER"));
        Assert.Equal(["email", "phone", "name", "tags"], Keys(ImportKind.Customers, "\uFEFFEmail Address", "ＰＨＯＮＥ", "name*", "Labels"));
        Assert.Equal(["externalId", "name", "domain", "industry", "website", "employees"],
            Keys(ImportKind.Companies, "company id", "Company Name", "Domain", "Sector", "Homepage", "Headcount"));
        Assert.Equal(["orderId", "customerEmail", "orderedAt", "product", "quantity", "unitPrice", "amount", "currency"],
            Keys(ImportKind.Purchases, "Order ID", "Email", "Order Date", "Item", "Qty", "Price", "Total", "Currency"));
        Assert.Equal(["channel", "direction", "occurredAt", "durationSeconds", "content", "outcome"],
            Keys(ImportKind.Communications, "Channel", "Direction", "Time", "Duration", "Notes", "Result"));
        Assert.Equal(["type", "occurredAt", "page"], Keys(ImportKind.Events, "Event Type", "Timestamp", "URL"));
    }

    [Fact]
    public void ChineseHeadersMapForEveryKind()
    {
        Assert.Equal(["externalId", "name", "email", "phone", "age", "gender", "city", "signupDate", "address", "company", "tags", "owner", "stage", "source", "birthDate"],
            Keys(ImportKind.Customers, "客户编号", "姓名", "邮箱", "手机号", "年龄", "性别", "城市", "注册日期", "地址", "公司", "标签", "负责人", "阶段", "来源", "生日"));
        Assert.Equal(["name", "email", "phone", "signupDate"], Keys(ImportKind.Customers, "客户姓名", "电子邮件", "联系电话", "注册时间"));
        Assert.Equal(["externalId", "name", "domain", "industry", "email", "phone", "website", "city", "address", "employees", "tags", "owner"],
            Keys(ImportKind.Companies, "公司编号", "公司名称", "域名", "行业", "邮箱", "电话", "官网", "城市", "地址", "员工人数", "标签", "负责人"));
        Assert.Equal(["orderId", "customerExternalId", "orderedAt", "product", "category", "quantity", "unitPrice", "amount", "currency"],
            Keys(ImportKind.Purchases, "订单号", "客户编号", "下单时间", "商品", "类别", "数量", "单价", "金额", "币种"));
        Assert.Equal(["communicationId", "customerExternalId", "channel", "direction", "occurredAt", "durationSeconds", "subject", "content", "outcome"],
            Keys(ImportKind.Communications, "沟通编号", "客户ID", "渠道", "方向", "时间", "时长", "主题", "内容", "结果"));
        Assert.Equal(["eventId", "customerEmail", "type", "occurredAt", "page"],
            Keys(ImportKind.Events, "事件编号", "邮箱", "事件类型", "时间", "页面"));
    }

    [Theory]
    [InlineData(ImportKind.Customers)]
    [InlineData(ImportKind.Companies)]
    [InlineData(ImportKind.Purchases)]
    [InlineData(ImportKind.Communications)]
    [InlineData(ImportKind.Events)]
    public void EveryFieldKeyMapsBackToItselfAndNoHeaderNameMeansTwoFields(ImportKind kind)
    {
        var fields = ImportFields.For(kind, [("vip", "VIP level", "Choice", ["gold", "silver"])]);
        Assert.Equal(fields.Select(f => f.Key), ColumnMapper.Map(fields.Select(f => f.Key).ToArray(), fields).Columns.Select(f => f!.Key));
        var owners = new Dictionary<string, string>();
        foreach (var f in fields)
            foreach (var name in f.Synonyms.Select(HeaderNames.Normalize).Distinct())
                Assert.True(owners.TryAdd(name, f.Key) || owners[name] == f.Key, $"'{name}' maps to both {owners[name]} and {f.Key}.");
    }

    [Fact]
    public void CustomFieldsMapByPrefixedKeyBareKeyAndLabelWithTheirTypes()
    {
        var fields = ImportFields.For(ImportKind.Customers,
        [
            ("vip", "VIP level", "Choice", ["gold", "silver"]),
            ("spend", "年消费", "Number", null),
            ("renewal", "Renewal date", "Date", null),
        ]);
        Assert.Equal(["customFields.vip", "customFields.spend", "customFields.renewal", null],
            Keys(fields, "customFields.vip", "年消费", "Renewal Date", "unknown"));
        Assert.Equal(["customFields.vip"], Keys(fields, "vip"));
        Assert.Equal(["customFields.vip"], Keys(fields, "VIP level"));
        var vip = fields.Single(f => f.Key == "customFields.vip");
        Assert.Equal((ValueType.Enum, "vip"), (vip.Type, vip.CustomFieldKey));
        Assert.Equal(["gold", "silver"], vip.Choices!);
        Assert.Equal(ValueType.Decimal, fields.Single(f => f.Key == "customFields.spend").Type);
        Assert.Equal(ValueType.Date, fields.Single(f => f.Key == "customFields.renewal").Type);
        Assert.Throws<ArgumentException>(() => ImportFields.For(ImportKind.Customers, [("x", "X", "Colour", null)]));
        Assert.DoesNotContain(ImportFields.For(ImportKind.Purchases, [("vip", "VIP", "Text", null)]), f => f.Key.StartsWith("customFields.", StringComparison.Ordinal));

        string?[] Keys(IReadOnlyList<ImportField> f, params string[] header) => ColumnMapper.Map(header, f).Columns.Select(c => c?.Key).ToArray();
    }

    [Fact]
    public void OverridesMapIgnoreAndNameColumnsByPositionOverTheAutomaticMapping()
    {
        var fields = ImportFields.For(ImportKind.Customers, []);
        string[] header = ["Kundennummer", "name", "email", "phone", "phone", "notes"];
        var mapping = ColumnMapper.Map(header, fields, new Dictionary<string, string>
        {
            ["kundennummer"] = "externalId",     // another case than the header: still the column
            ["email"] = "-",
            ["#5"] = "",
            ["notes"] = "Address",               // a field key in another case
        });
        Assert.Equal(["externalId", "name", null, "phone", null, "address"], mapping.Columns.Select(f => f?.Key));
        Assert.Equal([2, 4], mapping.IgnoredColumns.Order());
        Assert.Empty(mapping.UnmappedColumns);
        Assert.Equal(0, mapping.IndexOf("externalId"));
        Assert.Equal("notes", mapping.ColumnOf("address"));
        Assert.Null(mapping.ColumnOf("email"));
        Assert.Contains(mapping.UnmappedFields, f => f.Key == "email");
        Assert.Equal("-", mapping.ToOverrides()["email"]);
        Assert.Equal(new MappedColumn("notes", "address"), mapping.ToMappedColumns()[5]);
    }

    [Fact]
    public void AnOverrideNamingAnUnknownColumnOrFieldIsRefusedWithTheValidNames()
    {
        var fields = ImportFields.For(ImportKind.Customers, []);
        string[] header = ["name", "mail"];
        var column = Assert.Throws<MappingException>(() => ColumnMapper.Map(header, fields, new Dictionary<string, string> { ["e-mail"] = "email" }));
        Assert.Contains("no column 'e-mail'", column.Message);
        Assert.Contains("name, mail", column.Message);
        var field = Assert.Throws<MappingException>(() => ColumnMapper.Map(header, fields, new Dictionary<string, string> { ["mail"] = "mailbox" }));
        Assert.Contains("no field 'mailbox'", field.Message);
        Assert.Contains("externalId, name, email, phone", field.Message);
    }

    [Fact]
    public void TwoColumnsOnOneFieldAreRefusedNamingBoth()
    {
        var fields = ImportFields.For(ImportKind.Customers, []);
        var automatic = Assert.Throws<MappingException>(() => ColumnMapper.Map(["手机", "电话", "name"], fields));
        Assert.Contains("'手机' and '电话'", automatic.Message);
        Assert.Contains("phone", automatic.Message);
        var overridden = Assert.Throws<MappingException>(() =>
            ColumnMapper.Map(["name", "nickname"], fields, new Dictionary<string, string> { ["nickname"] = "name" }));
        Assert.Contains("'name' and 'nickname'", overridden.Message);
        // Ignoring one of them settles it.
        var settled = ColumnMapper.Map(["手机", "电话", "name"], fields, new Dictionary<string, string> { ["电话"] = "-" });
        Assert.Equal("手机", settled.ColumnOf("phone"));
    }

    [Fact]
    public void MissingRequiredNamesARequiredFieldOrGroupWithoutAColumnUnlessADefaultCoversIt()
    {
        var customers = ColumnMapper.Map(["email", "city"], ImportFields.For(ImportKind.Customers, []));
        Assert.Contains(customers.MissingRequired(), m => m.StartsWith("No column maps to name,", StringComparison.Ordinal));
        // Each header name is listed once (the key was listed twice: "name, name, full name, …").
        Assert.Contains("header names that map to it: name, full name, customer name,", Assert.Single(customers.MissingRequired()));
        foreach (var kind in Enum.GetValues<ImportKind>())
            Assert.All(ImportFields.For(kind, []), f => Assert.Equal(f.Synonyms.Distinct(StringComparer.OrdinalIgnoreCase), f.Synonyms));
        Assert.Empty(customers.MissingRequired(new Dictionary<string, MissingValueRule> { ["name"] = new(MissingValuePolicy.Default, "Unknown") }));
        Assert.Equal(["favourite colour"], ColumnMapper.Map(["name", "城市", "favourite colour"], ImportFields.For(ImportKind.Customers, [])).UnmappedColumns);
        var purchases = ColumnMapper.Map(["order_time", "amount"], ImportFields.For(ImportKind.Purchases, []));
        Assert.Equal(["No column maps to customerExternalId or customerEmail; one of them is required."], purchases.MissingRequired());
        Assert.Empty(ColumnMapper.Map(["order_time", "email"], ImportFields.For(ImportKind.Purchases, [])).MissingRequired());
    }
}
