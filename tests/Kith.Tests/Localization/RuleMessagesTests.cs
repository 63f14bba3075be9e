using System.Globalization;
using System.Text.RegularExpressions;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;
using Kith.Localization;

namespace Kith.Tests.Localization;

/// <summary>
/// The engine's rule messages in the Chinese UI (ADR-0055): every sentence Kith.Core's source writes has a Chinese
/// sentence with the same holes, no entry outlives its sentence, and the pages' translation fills the holes.
/// </summary>
public sealed class RuleMessagesTests
{
    private static readonly KithLocalizer L = new();

    /// <summary>Files whose sentences are not a rule message a page shows: the importer's row reasons (translated by
    /// their shape, ADR-0054, and checked by ImportMessagesTests) and texts only the CLI, a log or a status line prints.</summary>
    private static readonly string[] NotShownAsRuleMessages =
    [
        "Importing/Cleaning/", "Importing/CustomerSink.cs", "Importing/CompanySink.cs", "Importing/LinkedSinks.cs",
        "Importing/CustomerLinks.cs", "Importing/KithIdMatch.cs", "Settings/KithIds.cs",
        "Backups/BackupArchive.cs", "Backups/TableChecksums.cs", "Backups/VerifyBackup.cs", "Backups/RestoreBackup.cs",
        "Backups/CreateBackup.cs", "Backups/PostgresTools.cs", "Audit/VerifyAuditTrail.cs",
        "SensitiveFields/FieldKeyRing.cs", "SensitiveFields/FieldKeys.cs", "SensitiveFields/FieldCipher.cs", "SensitiveFields/SealedReads.cs",
        "Importing/Files/", "Tasks/TaskReminderMail.cs", "Mail/MailboxStatus.cs", "Mail/TestMailbox.cs", "Identity/SendPasswordReset.cs", "Infrastructure/OutboundAddresses.cs",
    ];

    /// <summary>Kith.Core, and the one rule the web host throws for a page (an upload too large); the API's own
    /// refusals stay in English for their callers.</summary>
    private static readonly Lazy<IReadOnlyList<RuleMessageSource.Sentence>> s_sentences = new(() =>
        RuleMessageSource.Scan(Source("Kith.Core"))
            .Where(s => !NotShownAsRuleMessages.Any(p => s.File.Replace('\\', '/').StartsWith(p, StringComparison.Ordinal)))
            .Concat(RuleMessageSource.Scan(Source("Kith/Importing"), "ImportUpload.cs"))
            .ToList());

    private static string Source(string folder) => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src", folder));

    [Fact]
    public void EverySentenceKithCoreWritesHasAChineseSentence()
    {
        var missing = s_sentences.Value
            .Where(s => !RuleMessages.Chinese.ContainsKey(s.Template)
                        && !(RuleMessages.Holes(s.Template).Length == 0 && KithLocalizer.Chinese.ContainsKey(Unescape(s.Template))))
            .Select(s => $"{s.File}:{s.Line}  {s.Template}").Distinct().ToList();
        Assert.True(missing.Count == 0,
            $"{missing.Count} engine sentences have no Chinese in src/Kith/Infrastructure/RuleMessages.zh-Hans.rules.json "
            + "(the key is the sentence as the source writes it, each hole as its C# expression):\n" + string.Join("\n", missing));
    }

    [Fact]
    public void NoEntryOutlivesItsSentenceAndEachChineseSentenceUsesOnlyItsOwnHoles()
    {
        var written = s_sentences.Value.Select(s => s.Template).ToHashSet(StringComparer.Ordinal);
        var stale = RuleMessages.Chinese.Keys.Where(k => !written.Contains(k)).ToList();
        Assert.True(stale.Count == 0, "Entries whose sentence Kith.Core no longer writes (reworded or removed):\n" + string.Join("\n", stale));

        foreach (var (english, chinese) in RuleMessages.Chinese)
        {
            var holes = RuleMessages.Holes(english);
            foreach (var used in RuleMessages.Holes(chinese))
                Assert.True(holes.Any(h => used == h || used.StartsWith(h + "|", StringComparison.Ordinal)), $"'{chinese}' uses {{{used}}}, which '{english}' does not have.");
            Assert.DoesNotMatch(new Regex("[A-Za-z]{3,} [a-z]{3,} [a-z]{3,}"), Regex.Replace(chinese, @"\{[^{}]*\}", ""));
        }
    }

    [Fact]
    public void EachSentenceWrittenWithSampleValuesReadsInChineseWithTheSameValues()
    {
        using var _ = new Culture("zh-Hans");
        foreach (var (english, chinese) in RuleMessages.Chinese)
        {
            var holes = RuleMessages.Holes(english);
            // A hole whose Chinese maps its values gets one of them, a message a message; any other a value of its own.
            var values = holes.Select((h, i) =>
                chinese.Contains("{" + h + "|m}", StringComparison.Ordinal) ? "A task needs a title."
                : Regex.Match(chinese, "\\{" + Regex.Escape(h) + @"\|([^=|{}]+)=") is { Success: true } map ? map.Groups[1].Value
                : $"V{i}x").ToArray();
            var message = Regex.Replace(english.Replace("{{", "\u0001").Replace("}}", "\u0002"), @"\{([^{}]*)\}", m => values[Array.IndexOf(holes, m.Groups[1].Value)])
                .Replace("\u0001", "{").Replace("\u0002", "}");
            var shown = RuleMessages.Localize(message, L);
            Assert.True(shown != message, $"'{message}' stays in English.");
            if (values.Contains("A task needs a title.")) Assert.Contains("任务需要填写标题。", shown);
            foreach (var (hole, value) in holes.Zip(values))
                if (chinese.Contains("{" + hole + "}", StringComparison.Ordinal))
                    Assert.True(shown.Contains(value, StringComparison.Ordinal), $"'{shown}' lost {{{hole}}} of '{english}'.");
            Assert.DoesNotContain("{", shown.Replace("{ \"", "").Replace("{{", ""));
        }
    }

    [Fact]
    public void TheChinesePageReadsARuleViolationItsFieldsAndJoinedSentencesTheEnglishOneStaysAsThrown()
    {
        var notFound = new NotFound("Customer");
        var joined = new RuleViolation("A case needs a subject. There is no customer 12.",
            new Dictionary<string, string[]> { ["subject"] = ["A case needs a subject."], ["customerId"] = ["There is no customer 12."] });
        using (new Culture("en"))
        {
            Assert.Equal("Customer was not found.", L.Rule(notFound.Message));
            Assert.Same(joined.Errors, L.Rule(joined.Errors));
        }
        using (new Culture("zh-Hans"))
        {
            Assert.Equal("客户不存在。", L.Rule(notFound.Message));
            Assert.Equal("工单需要填写主题。没有客户 12。", L.Rule(joined.Message));
            Assert.Equal(["没有客户 12。"], L.Rule(joined.Errors)["customerId"]);
            Assert.Equal("CSAT 的 score 应为 1 到 5 之间的整数。", L.Rule("score must be a whole number from 1 to 5 for CSAT."));
            Assert.Equal("位置 7 出现意外的字符 '''。请用双引号写文本。", L.Rule("Unexpected character ''' at position 7. Write text in double quotes."));
            // The importer's reasons, which custom field values share, read as the import pages read them.
            Assert.Equal("'abc' 不是整数。", L.Rule("'abc' is not a whole number."));
            // A sentence no entry knows stays whole in English.
            Assert.Equal("Something new happened. Customer was not found.", L.Rule("Something new happened. Customer was not found."));
        }
    }

    [Fact]
    public void AMessageCarryingALongOrCraftedValueStaysEnglishOrTranslatesWithoutBacktracking()
    {
        using var _ = new Culture("zh-Hans");
        // A value of the length a domain can have still reads in Chinese, the value as typed.
        var domain = new string('d', 250) + ".example.com";
        Assert.Equal($"'{domain}' 不是域名，域名形如 example.com。", L.Rule($"'{domain}' is not a domain such as example.com."));
        // Past the length of any engine sentence with its values, a message stays English whole.
        var huge = new string('x', RuleMessages.MaxShaped);
        Assert.Equal($"'{huge}' is not a domain such as example.com.", L.Rule($"'{huge}' is not a domain such as example.com."));
        // A value made of the shapes' own words, many times over (each hole is a lazy run: a backtracking engine tries
        // every split of them against every shape), matches none and stays English.
        var crafted = "'" + string.Concat(Enumerable.Repeat("' at position 1 is not ' for '", 60)) + "'";
        Assert.True(crafted.Length < RuleMessages.MaxShaped);
        Assert.Equal(crafted, L.Rule(crafted));
    }

    private static string Unescape(string template) => template.Replace("{{", "{").Replace("}}", "}");

    private sealed class Culture : IDisposable
    {
        private readonly CultureInfo _ui = CultureInfo.CurrentUICulture;

        public Culture(string name) => CultureInfo.CurrentUICulture = new CultureInfo(name);

        public void Dispose() => CultureInfo.CurrentUICulture = _ui;
    }
}
