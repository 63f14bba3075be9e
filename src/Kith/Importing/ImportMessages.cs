using System.Text.RegularExpressions;
using Kith.Localization;
using Microsoft.Extensions.Localization;

namespace Kith.Importing;

/// <summary>
/// Shows the importer's messages (a refused row's reason, a flagged phone, a file Kith cannot read) in the page's
/// language. The engine writes them in English, with the value, line and field in the text, and stores them so: the
/// report, the rejected-rows CSV and the API keep that one stable wording. The Chinese page matches each message
/// against the shapes the engine writes and fills the Chinese sentence with the same value, line and field. A message
/// with no shape here (new, or one this table does not know yet) shows in English, never half translated
/// (ADR-0054).
/// </summary>
public static partial class ImportMessages
{
    /// <summary>The message as the current UI language shows it: a known shape filled in, else the localizer's text
    /// for it (a fixed sentence with a translation), else the English.</summary>
    public static string Localize(string? message, IStringLocalizer l)
    {
        if (string.IsNullOrEmpty(message) || !KithLocalizer.IsChinese) return message ?? "";
        return TryChinese(message, l) ?? l[message].Value;
    }

    /// <summary>The Chinese sentence for a message of a known shape, or null.</summary>
    internal static string? TryChinese(string message, IStringLocalizer l)
    {
        // Rows and cells of a file are in these messages: past the length of any engine message it stays English.
        if (message.Length > Infrastructure.RuleMessages.MaxShaped) return null;
        // "line 3, column 2: …" and "row 4: …": the place, then what is wrong there.
        var place = Place().Match(message);
        if (place.Success && TryChinese(place.Groups["rest"].Value, l) is { } rest)
        {
            var where = place.Groups["word"].Value.ToLowerInvariant() switch { "after line" => $"第 {place.Groups["n"].Value} 行之后", _ => $"第 {place.Groups["n"].Value} 行" };
            if (place.Groups["column"].Success) where += $"第 {place.Groups["column"].Value} 列";
            return $"{where}：{rest}";
        }
        foreach (var (pattern, chinese) in s_shapes)
            if (Infrastructure.RuleMessages.Matched(pattern, message) is { } m) return chinese(m, l);
        return null;
    }

    private static string V(Match m, string name = "v") => m.Groups[name].Value;

    /// <summary>Field keys as the mapping screen names them: "email or phone" becomes "邮箱或电话".</summary>
    private static string Fields(Match m, IStringLocalizer l, string name = "f") =>
        string.Join("或", V(m, name).Split(" or ").Select(key => l[ImportTexts.Field(key.Trim())].Value));

    private static string Mode(Match m) => V(m, "mode") == "create" ? "仅创建模式" : "仅更新模式";

    private static readonly (Regex Pattern, Func<Match, IStringLocalizer, string> Chinese)[] s_shapes =
    [
        // Values (ValueCleaner): each names the value as typed, in single quotes.
        (R(@"^The tag '(?<v>.*)' has (?<n>\d+) characters; at most (?<m>\d+) are allowed\.$"), (m, _) => $"标签 '{V(m)}' 有 {V(m, "n")} 个字符，最多允许 {V(m, "m")} 个。"),
        (R(@"^'(?<v>.*)' has (?<n>\d+) characters; at most (?<m>\d+) are allowed\.$"), (m, _) => $"'{V(m)}' 有 {V(m, "n")} 个字符，最多允许 {V(m, "m")} 个。"),
        (R(@"^'(?<v>.*)' is not an email address\.$"), (m, _) => $"'{V(m)}' 不是有效的邮箱地址。"),
        (R(@"^'(?<v>.*)' is not a phone number: use digits, spaces, \+ - \. \( \) only\.$"), (m, _) => $"'{V(m)}' 不是电话号码：只能使用数字、空格和 + - . ( )。"),
        (R(@"^'(?<v>.*)' is not a phone number: it has fewer than 3 digits\.$"), (m, _) => $"'{V(m)}' 不是电话号码：少于 3 位数字。"),
        (R(@"^'(?<v>.*)' is not a valid phone number; kept as typed\.$"), (m, _) => $"'{V(m)}' 不是有效的电话号码，已按原样保留。"),
        (R(@"^'(?<v>.*)' is not a valid phone number in (?<r>.+); kept as typed\.$"), (m, _) => $"'{V(m)}' 在 {V(m, "r")} 不是有效的电话号码，已按原样保留。"),
        (R(@"^'(?<v>.*)' is not one of: (?<list>.*)\.$"), (m, _) => $"'{V(m)}' 不在可选值之中：{V(m, "list")}。"),
        (R(@"^'(?<v>.*)' is not a whole number\.$"), (m, _) => $"'{V(m)}' 不是整数。"),
        (R(@"^'(?<v>.*)' is too large a number\.$"), (m, _) => $"'{V(m)}' 数值过大。"),
        (R(@"^'(?<v>.*)' is not between (?<a>\S+) and (?<b>\S+)\.$"), (m, _) => $"'{V(m)}' 不在 {V(m, "a")} 与 {V(m, "b")} 之间。"),
        (R(@"^'(?<v>.*)' is less than (?<a>\S+)\.$"), (m, _) => $"'{V(m)}' 小于 {V(m, "a")}。"),
        (R(@"^'(?<v>.*)' is more than (?<a>\S+)\.$"), (m, _) => $"'{V(m)}' 大于 {V(m, "a")}。"),
        (R(@"^'(?<v>.*)' is not a number: write decimals with a point and thousands with commas \(1,234\.50\)\.$"),
            (m, _) => $"'{V(m)}' 不是数字：小数用小数点，千位用逗号（1,234.50）。"),
        (R(@"^'(?<v>.*)' is not a number\.$"), (m, _) => $"'{V(m)}' 不是数字。"),
        (R(@"^'(?<v>.*)' is not a date; write it as yyyy-MM-dd\.$"), (m, _) => $"'{V(m)}' 不是日期，请写成 yyyy-MM-dd。"),
        (R(@"^'(?<v>.*)' is not a date and time; write it as yyyy-MM-ddTHH:mm:ssZ\.$"), (m, _) => $"'{V(m)}' 不是日期时间，请写成 yyyy-MM-ddTHH:mm:ssZ。"),
        (R(@"^'(?<v>.*)' is out of the range of dates\.$"), (m, _) => $"'{V(m)}' 超出了日期的范围。"),
        (R(@"^'(?<v>.*)' is a year alone, not a date\.$"), (m, _) => $"'{V(m)}' 只是年份，不是日期。"),
        (R(@"^no such date: '(?<v>.*)' \(read as (?<order>month/day/year|day/month/year)\)\.$"),
            (m, _) => $"不存在的日期：'{V(m)}'（按{(V(m, "order") == "month/day/year" ? "月/日/年" : "日/月/年")}读取）。"),
        (R(@"^no such date: '(?<v>.*)'\.$"), (m, _) => $"不存在的日期：'{V(m)}'。"),

        // Rows (RowCleaner, the missing-value policies).
        (R(@"^(?<f>[A-Za-z.]+(?: or [A-Za-z.]+)*) is required\.$"), (m, l) => $"{Fields(m, l)}为必填项。"),
        (R(@"^The row has (?<n>\d+) cells; the header has (?<m>\d+)\.$"), (m, _) => $"该行有 {V(m, "n")} 个单元格，表头有 {V(m, "m")} 个。"),

        // Customers and companies (CustomerSink, CompanySink).
        (R(@"^This (?<what>email|phone number|external id) belongs to a person who was erased at their request; the row was not imported\.$"),
            (m, _) => $"此{What(V(m, "what"))}属于一位应本人要求已被删除的人，该行未导入。"),
        (R(@"^The (?<what>external id|id) '(?<v>.*)' appears again; it was first on line (?<n>[\d,]+)\.$"),
            (m, _) => $"{What(V(m, "what"))} '{V(m)}' 重复出现，它首次出现在第 {V(m, "n")} 行。"),
        (R(@"^The (?<what>external id|id) '(?<v>.*)' appears again; it was first on an earlier line of this file\.$"),
            (m, _) => $"{What(V(m, "what"))} '{V(m)}' 重复出现，它首次出现在本文件更早的一行。"),
        (R(@"^Another (?<who>customer|company) has the external id '(?<v>.*)' \(deleted, or outside your reach\)\.$"),
            (m, _) => $"另一{(V(m, "who") == "company" ? "家公司" : "位客户")}已使用外部编号 '{V(m)}'（已删除，或不在您的权限范围内）。"),
        (R(@"^Another customer has the external id '(?<v>.*)'; match by externalId to update it\.$"),
            (m, _) => $"另一位客户已使用外部编号 '{V(m)}'；要更新它，请按 externalId 匹配。"),
        (R(@"^A customer with the external id '(?<v>.*)' exists \(mode (?<mode>create)\)\.$"), (m, _) => $"已有外部编号为 '{V(m)}' 的客户（{Mode(m)}）。"),
        (R(@"^A customer with this (?<what>email|phone) exists \(mode (?<mode>create)\)\.$"),
            (m, _) => $"已有使用此{(V(m, "what") == "email" ? "邮箱" : "电话")}的客户（{Mode(m)}）。"),
        (R(@"^This row matches a stored (?<who>customer|company) \(mode (?<mode>create)\)\.$"), (m, _) => $"此行与一条已有的{(V(m, "who") == "company" ? "公司" : "客户")}记录匹配（{Mode(m)}）。"),
        (R(@"^No stored customer matches this row by (?<by>.+) \(mode (?<mode>update)\)\.$"),
            (m, _) => $"没有已有客户按 {V(m, "by")} 与此行匹配（{Mode(m)}）。"),
        (R(@"^No stored company matches this row \(mode (?<mode>update)\)\.$"), (m, _) => $"没有已有公司与此行匹配（{Mode(m)}）。"),
        (R(@"^There is no active user with the email '(?<v>.*)'\.$"), (m, _) => $"没有邮箱为 '{V(m)}' 的在职用户。"),
        (R(@"^Your role may not assign records to another owner\.$"), (_, _) => "您的角色不能把记录分配给其他负责人。"),
        (R(@"^An age is between 0 and 150, not (?<v>-?\d+)\.$"), (m, _) => $"年龄应在 0 到 150 之间，而不是 {V(m)}。"),

        // Kith ids (KithIdMatch, KithIds): a record named by Kith's own export.
        (R(@"^'(?<v>.*)' is not a Kith id; Kith's export writes them as 42@3f9a1c0b7d2e\. Empty the cell to match the row by its other keys\.$"),
            (m, _) => $"'{V(m)}' 不是 Kith 编号；Kith 导出的编号形如 42@3f9a1c0b7d2e。清空该单元格即可按其他键匹配此行。"),
        (R(@"^The Kith id '(?<v>.*)' appears again; it was first on line (?<n>[\d,]+)\.$"), (m, _) => $"Kith 编号 '{V(m)}' 重复出现，它首次出现在第 {V(m, "n")} 行。"),
        (R(@"^No (?<who>customer|company) in your reach has the Kith id '(?<v>.*)': it was deleted, merged into another, or is outside your reach\. Empty the cell to import the row as a new (customer|company), or matched by its other keys\.$"),
            (m, _) => $"您权限范围内没有 Kith 编号为 '{V(m)}' 的{Noun(m)}：它已被删除、已合并到另一条记录，或不在您的权限范围内。清空该单元格，即可把此行作为新{Noun(m)}导入，或按其他键匹配。"),
        (R(@"^The Kith id '(?<v>.*)' is the (?<who>customer|company) with the external id '(?<a>.*)', not '(?<b>.*)'\.$"),
            (m, _) => $"Kith 编号 '{V(m)}' 对应的是外部编号为 '{V(m, "a")}' 的{Noun(m)}，而不是 '{V(m, "b")}'。"),
        (R(@"^The external id '(?<v>.*)' is another (?<who>customer|company)'s than the one with the Kith id '(?<k>.*)'\.$"),
            (m, _) => $"外部编号 '{V(m)}' 属于另一{(V(m, "who") == "company" ? "家公司" : "位客户")}，而不是 Kith 编号为 '{V(m, "k")}' 的那一{(V(m, "who") == "company" ? "家" : "位")}。"),
        (R(@"^The (?<who>customer|company) with the Kith id '(?<v>.*)' exists \(mode (?<mode>create)\)\.$"), (m, _) => $"Kith 编号为 '{V(m)}' 的{Noun(m)}已存在（{Mode(m)}）。"),

        // Purchases, communications and events (LinkedSinks, CustomerLinks).
        (R(@"^The row names no customer: give customer_id \(external id\) or the customer's email\.$"),
            (_, _) => "该行没有指明客户：请提供 customer_id（外部编号）或客户的邮箱。"),
        (R(@"^The customer with the external id '(?<v>.*)' is deleted or outside your reach\.$"), (m, _) => $"外部编号为 '{V(m)}' 的客户已删除，或不在您的权限范围内。"),
        (R(@"^No customer has the external id '(?<v>.*)'\.$"), (m, _) => $"没有外部编号为 '{V(m)}' 的客户。"),
        (R(@"^No customer has the email '(?<v>.*)'\.$"), (m, _) => $"没有邮箱为 '{V(m)}' 的客户。"),
        (R(@"^The row has neither an amount nor a unit price\.$"), (_, _) => "该行既没有金额，也没有单价。"),
        (R(@"^The amount (?<v>\S+) is too large\.$"), (m, _) => $"金额 {V(m)} 过大。"),
        (R(@"^The order time is missing\.$"), (_, _) => "缺少下单时间。"),
        (R(@"^The time is missing\.$"), (_, _) => "缺少时间。"),
        (R(@"^The event type is missing\.$"), (_, _) => "缺少事件类型。"),
        (R(@"^'(?<v>.*)' is not an event type: a type is 1 to (?<n>\d+) letters, digits, _ \. or - \(such as page_view or 加购\)\.$"),
            (m, _) => $"'{V(m)}' 不是事件类型：类型由 1 到 {V(m, "n")} 个字母、数字、_ . 或 - 组成（例如 page_view 或 加购）。"),
        (R(@"^The time (?<v>.+) is before 1970\.$"), (m, _) => $"时间 {V(m)} 早于 1970 年。"),
        (R(@"^The time (?<v>.+) is more than a day in the future\.$"), (m, _) => $"时间 {V(m)} 比现在晚一天以上。"),

        // Files (TabularFile, CsvRowSource, XlsxGuard) and mappings (ColumnMapping, ImportRunner).
        (R(@"^the file is empty(?<header>: it has no header line)?$"), (m, _) => m.Groups["header"].Success ? "文件是空的：没有表头行" : "文件是空的"),
        (R(@"^a quote opens a field here and is never closed$"), (_, _) => "这里的引号开始了一个字段，但一直没有闭合"),
        (R(@"^the row has (?<n>[\d,]+) columns; at most (?<m>[\d,]+) are allowed$"), (m, _) => $"该行有 {V(m, "n")} 列，最多允许 {V(m, "m")} 列"),
        (R(@"^a field is longer than (?<m>[\d,]+) characters$"), (m, _) => $"有一个字段超过 {V(m, "m")} 个字符"),
        (R(@"^a row is longer than (?<m>[\d,]+) characters$"), (m, _) => $"有一行超过 {V(m, "m")} 个字符"),
        (R(@"^this is not a text or XLSX file: it holds binary data \(if it is text, name its encoding with --encoding\)$"),
            (_, _) => "这不是文本或 XLSX 文件：其中含有二进制数据（如果它是文本，请用 --encoding 指明编码）"),
        (R(@"^this XLSX looks like a zip bomb: (?<rest>.+)$"), (m, _) => $"这个 XLSX 看起来是压缩炸弹（{V(m, "rest")}），未读取"),
        (R(@"^this XLSX is refused: its part (?<part>\S+) declares a DTD \(DOCTYPE or ENTITY\), which workbooks never need and attacks use$"),
            (m, _) => $"这个 XLSX 被拒绝：其中的 {V(m, "part")} 声明了 DTD（DOCTYPE 或 ENTITY），工作簿从不需要它，攻击却常用它"),
        (R(@"^cell (?<cell>[A-Z]+\d+) holds a formula(?<f> \(=.*\))? without its computed value, so it would read as empty; the program that wrote this file did not compute its formulas\. Open it in Excel or LibreOffice, save it, and import it again$"),
            (m, _) => $"单元格 {V(m, "cell")} 是公式{V(m, "f")}，但没有保存计算结果，会读成空值；写出此文件的程序没有计算公式。请用 Excel 或 LibreOffice 打开、保存后再导入"),
        (R(@"^No column maps to (?<f>[A-Za-z.]+), which is required(?:; header names that map to it: (?<names>.+))?\.$"),
            (m, l) => $"没有列对应到必填字段“{Fields(m, l)}”" + (m.Groups["names"].Success ? $"；可对应它的表头名称：{V(m, "names")}。" : "。")),
        (R(@"^No column maps to (?<f>[A-Za-z.]+(?: or [A-Za-z.]+)+); one of them is required\.$"), (m, l) => $"没有列对应到“{Fields(m, l)}”，至少需要其中之一。"),
    ];

    private static string Noun(Match m) => V(m, "who") == "company" ? "公司" : "客户";

    private static string What(string what) => what switch
    {
        "email" => "邮箱",
        "phone number" => "电话号码",
        "id" => "编号",
        _ => "外部编号",
    };

    /// <summary>A shape on the engine whose time is linear in the message: cells of a file are in these messages.</summary>
    private static Regex R(string pattern) => new(pattern, RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking);

    [GeneratedRegex(@"^(?<word>line|row|after line) (?<n>[\d,]+)(?:, column (?<column>\d+))?: (?<rest>.+)$", RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Place();
}
