namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// The fields of each kind of import, with the header names (English and Simplified Chinese) that map to them.
/// The keys are the exporter's header names; the synonyms cover the files of other systems and of
/// ../shared/bench/gen_data.py (customer_id is the externalId of a customer file and the customer link elsewhere).
/// </summary>
public static class ImportFields
{
    public static readonly IReadOnlyList<string> Genders = ["female", "male", "other"];
    public static readonly IReadOnlyList<string> Stages = ["lead", "prospect", "customer", "churned"];
    public static readonly IReadOnlyList<string> Directions = ["inbound", "outbound"];

    private static readonly IReadOnlyDictionary<string, string> s_genderSynonyms = Synonyms(
        ("f", "female"), ("w", "female"), ("woman", "female"), ("女", "female"), ("女性", "female"), ("女士", "female"),
        ("m", "male"), ("man", "male"), ("男", "male"), ("男性", "male"), ("先生", "male"),
        ("x", "other"), ("其他", "other"), ("其它", "other"));

    private static readonly IReadOnlyDictionary<string, string> s_stageSynonyms = Synonyms(
        ("线索", "lead"), ("潜在客户", "prospect"), ("客户", "customer"), ("成交客户", "customer"), ("流失", "churned"),
        ("已流失", "churned"), ("流失客户", "churned"));

    private static readonly IReadOnlyDictionary<string, string> s_directionSynonyms = Synonyms(
        ("in", "inbound"), ("incoming", "inbound"), ("呼入", "inbound"), ("来电", "inbound"), ("接听", "inbound"),
        ("out", "outbound"), ("outgoing", "outbound"), ("呼出", "outbound"), ("去电", "outbound"), ("外呼", "outbound"));

    private static readonly string[] s_email = ["email", "e-mail", "mail", "email address", "e-mail address", "邮箱", "电子邮件", "邮件", "电子邮箱", "邮箱地址"];
    private static readonly string[] s_phone = ["phone", "mobile", "cell", "telephone", "tel", "phone number", "mobile number", "cell phone", "手机", "手机号", "电话", "联系电话", "手机号码", "电话号码"];
    private static readonly string[] s_city = ["city", "town", "城市", "所在城市"];
    private static readonly string[] s_address = ["address", "street address", "地址", "联系地址", "详细地址"];
    private static readonly string[] s_tags = ["tags", "tag", "labels", "label", "标签"];
    private static readonly string[] s_owner = ["owner", "owner email", "account owner", "负责人", "所有者", "跟进人"];

    /// <summary>
    /// The fields of <paramref name="kind"/>. Custom fields (customers and companies only) map by
    /// customFields.&lt;key&gt;, by their key and by their label; <c>Type</c> is a custom field type (Text, Number,
    /// Date, Choice) or a <see cref="ValueType"/> name.
    /// </summary>
    public static IReadOnlyList<ImportField> For(
        ImportKind kind, IReadOnlyList<(string Key, string Label, string Type, IReadOnlyList<string>? Choices)>? customFields = null)
    {
        var fields = kind switch
        {
            ImportKind.Customers => Customers(),
            ImportKind.Companies => Companies(),
            ImportKind.Purchases => Purchases(),
            ImportKind.Communications => Communications(),
            ImportKind.Events => Events(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (kind is ImportKind.Customers or ImportKind.Companies && customFields is not null)
            fields.AddRange(customFields.Select(Custom));
        return fields;
    }

    /// <summary>
    /// A record's id in this install, as Kith's export writes it (Settings/KithIds.cs); it matches before any other key.
    /// Not "id": other systems call their own customer number that, and it stays a synonym of externalId.
    /// </summary>
    private static ImportField KithId() => F("kithId", ValueType.Text, 100, "kith id", "Kith编号", "Kith 编号");

    private static List<ImportField> Customers() =>
    [
        KithId(),
        F("externalId", ValueType.Text, 100, "customer_id", "id", "external id", "customer id", "customer no", "customer number", "客户编号", "客户ID", "外部编号"),
        F("name", ValueType.Text, 200, "name", "full name", "customer name", "contact", "contact name", "姓名", "名字", "客户名称", "客户姓名", "联系人") with { Required = true },
        F("email", ValueType.Email, 254, s_email),
        F("phone", ValueType.Phone, 40, s_phone),
        F("age", ValueType.Integer, 0, "age", "年龄") with { Minimum = 0, Maximum = 150 },
        F("birthDate", ValueType.Date, 0, "birth date", "birthday", "date of birth", "dob", "生日", "出生日期"),
        F("gender", ValueType.Enum, 0, "gender", "sex", "性别") with { Choices = Genders, ChoiceSynonyms = s_genderSynonyms },
        F("city", ValueType.Text, 100, s_city),
        F("address", ValueType.Text, 500, s_address),
        F("company", ValueType.Text, 200, "company", "company name", "organisation", "organization", "employer", "公司", "公司名称", "单位", "工作单位"),
        F("stage", ValueType.Enum, 0, "stage", "lifecycle stage", "lifecycle", "阶段", "客户阶段") with { Choices = Stages, ChoiceSynonyms = s_stageSynonyms },
        F("source", ValueType.Text, 100, "source", "lead source", "来源", "客户来源"),
        F("signupDate", ValueType.Date, 0, "signup date", "signup_date", "sign up date", "registered", "registration date", "registered at", "注册日期", "注册时间"),
        F("tags", ValueType.Tags, 0, s_tags),
        F("owner", ValueType.UserEmail, 254, s_owner),
    ];

    private static List<ImportField> Companies() =>
    [
        KithId(),
        F("externalId", ValueType.Text, 100, "company_id", "company id", "id", "external id", "公司编号", "公司ID", "企业编号"),
        F("name", ValueType.Text, 200, "name", "company", "company name", "organisation", "organization", "account name", "公司", "公司名称", "企业名称", "名称") with { Required = true },
        F("domain", ValueType.Text, 253, "domain", "email domain", "域名"),
        F("industry", ValueType.Text, 100, "industry", "sector", "行业", "所属行业"),
        F("email", ValueType.Email, 254, s_email),
        F("phone", ValueType.Phone, 40, s_phone),
        F("website", ValueType.Text, 500, "website", "web site", "url", "homepage", "网站", "官网", "网址"),
        F("city", ValueType.Text, 100, s_city),
        F("address", ValueType.Text, 500, s_address),
        F("employees", ValueType.Integer, 0, "employees", "employee count", "number of employees", "headcount", "员工数", "员工人数", "人数") with { Minimum = 0, Maximum = 10_000_000 },
        F("tags", ValueType.Tags, 0, s_tags),
        F("owner", ValueType.UserEmail, 254, s_owner),
    ];

    private static List<ImportField> Purchases() =>
    [
        F("orderId", ValueType.Text, 100, "order_id", "order id", "order no", "order number", "订单号", "订单编号", "订单ID"),
        .. CustomerLink(),
        F("orderedAt", ValueType.Instant, 0, "order_time", "order time", "order date", "ordered at", "purchase date", "purchase time", "date", "time", "下单时间", "订单时间", "购买时间", "日期", "时间") with { Required = true },
        F("product", ValueType.Text, 200, "product", "product name", "item", "商品", "产品", "商品名称", "产品名称"),
        F("category", ValueType.Text, 100, "category", "product category", "类别", "分类", "品类"),
        F("quantity", ValueType.Integer, 0, "quantity", "qty", "数量") with { Minimum = 0, Maximum = 1_000_000_000 },
        F("unitPrice", ValueType.Decimal, 0, "unit_price", "unit price", "price", "单价", "价格"),
        F("amount", ValueType.Decimal, 0, "amount", "total", "total amount", "金额", "总额", "总金额", "总价"),
        F("currency", ValueType.Text, 3, "currency", "币种", "货币"),
    ];

    private static List<ImportField> Communications() =>
    [
        F("communicationId", ValueType.Text, 100, "communication_id", "communication id", "沟通编号", "记录编号"),
        .. CustomerLink(),
        F("channel", ValueType.Text, 50, "channel", "medium", "渠道", "沟通方式", "方式"),
        F("direction", ValueType.Enum, 0, "direction", "方向") with { Choices = Directions, ChoiceSynonyms = s_directionSynonyms },
        F("occurredAt", ValueType.Instant, 0, "communication_time", "communication time", "time", "date", "occurred at", "时间", "沟通时间", "日期") with { Required = true },
        F("durationSeconds", ValueType.Integer, 0, "duration", "duration seconds", "时长", "通话时长") with { Minimum = 0, Maximum = 10_000_000 },
        F("subject", ValueType.Text, 300, "subject", "title", "topic", "主题", "标题"),
        F("content", ValueType.Text, 10_000, "content", "notes", "note", "body", "message", "内容", "备注") with { MultiLine = true },
        F("outcome", ValueType.Text, 100, "outcome", "result", "结果"),
    ];

    private static List<ImportField> Events() =>
    [
        // Required, as in the API: a file's rows without an id would be stored again by each import of the file.
        F("eventId", ValueType.Text, 100, "event_id", "event id", "事件编号", "事件ID") with { Required = true },
        .. CustomerLink(),
        F("type", ValueType.Text, 100, "event_type", "event type", "type", "event", "action", "事件类型", "行为类型", "行为") with { Required = true },
        F("occurredAt", ValueType.Instant, 0, "behavior_time", "behaviour_time", "event_time", "event time", "time", "timestamp", "occurred at", "时间", "行为时间", "发生时间") with { Required = true },
        F("page", ValueType.Text, 2000, "page", "url", "page url", "path", "页面", "网址"),
    ];

    /// <summary>How purchases, communications and events name their customer: by external id or by email, at least one.</summary>
    private static ImportField[] CustomerLink() =>
    [
        F("customerExternalId", ValueType.Text, 100, "customer_id", "customer id", "customer external id", "customer no", "client id", "客户编号", "客户ID") with { RequiredGroup = "customer" },
        F("customerEmail", ValueType.Email, 254, ["customer email", .. s_email, "客户邮箱"]) with { RequiredGroup = "customer" },
    ];

    private static ImportField Custom((string Key, string Label, string Type, IReadOnlyList<string>? Choices) field)
    {
        var type = field.Type.Trim().ToLowerInvariant() switch
        {
            "text" => ValueType.Text,
            "number" => ValueType.Decimal,
            "date" => ValueType.Date,
            "choice" => ValueType.Enum,
            _ when Enum.TryParse<ValueType>(field.Type, ignoreCase: true, out var t) => t,
            _ => throw new ArgumentException($"Custom field {field.Key} has the unknown type '{field.Type}'.", nameof(field)),
        };
        var key = "customFields." + field.Key;
        return new ImportField(key, type, false, type == ValueType.Text ? 1000 : 0, [key, field.Key, field.Label],
            type == ValueType.Enum ? field.Choices ?? [] : null) { CustomFieldKey = field.Key };
    }

    // The key always maps; a list that names it too would show it twice ("header names that map to it: name, name, …").
    private static ImportField F(string key, ValueType type, int maxLength, params string[] synonyms) =>
        new(key, type, false, maxLength, [key, .. synonyms.Where(s => !string.Equals(s, key, StringComparison.OrdinalIgnoreCase))]);

    private static Dictionary<string, string> Synonyms(params (string Spelling, string Choice)[] pairs) =>
        pairs.ToDictionary(p => p.Spelling, p => p.Choice, StringComparer.OrdinalIgnoreCase);
}
