using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kith.Core.Infrastructure;
using Kith.Importing;
using Kith.Localization;
using Microsoft.Extensions.Localization;

namespace Kith.Infrastructure;

/// <summary>
/// Shows the engine's rule messages (a <see cref="RuleViolation"/>'s message and its per-field errors) in the page's
/// language. Kith.Core writes them in English and the API returns them so; the Chinese page looks each one up in
/// RuleMessages.zh-Hans.rules.json, whose keys are the sentences as Kith.Core's source writes them, each hole as its
/// C# expression in braces (<c>'{name}' is empty.</c>), and whose values are the Chinese sentence with the same
/// holes. A hole may name how its value is shown: <c>{what|Customer=客户|Company=公司}</c> maps the value,
/// <c>{message|m}</c> translates it as a rule message again. A message no entry matches shows in English, whole
/// (ADR-0055). RuleMessagesTests reads Kith.Core's source and fails on a sentence with no entry.
/// </summary>
public static partial class RuleMessages
{
    /// <summary>The message in the current UI language: in English as given unless the page is in Chinese.</summary>
    public static string Localize(string? message, IStringLocalizer l)
    {
        if (string.IsNullOrEmpty(message) || !KithLocalizer.IsChinese) return message ?? "";
        return TryChinese(message, l, depth: 0) ?? message;
    }

    /// <summary>The per-field errors in the current UI language; the field keys stay as they are.</summary>
    public static IReadOnlyDictionary<string, string[]> Localize(IReadOnlyDictionary<string, string[]> errors, IStringLocalizer l) =>
        !KithLocalizer.IsChinese ? errors : errors.ToDictionary(e => e.Key, e => e.Value.Select(m => Localize(m, l)).ToArray());

    /// <summary>Shorthand for the pages: the violation's message in the current UI language.</summary>
    public static string Rule(this IStringLocalizer l, string? message) => Localize(message, l);

    /// <summary>The violation's field errors in the current UI language.</summary>
    public static IReadOnlyDictionary<string, string[]> Rule(this IStringLocalizer l, IReadOnlyDictionary<string, string[]> errors) => Localize(errors, l);

    /// <summary>The English templates and their Chinese sentences, for the test that checks every sentence has one.</summary>
    public static IReadOnlyDictionary<string, string> Chinese => s_entries;

    internal static string? TryChinese(string message, IStringLocalizer l, int depth)
    {
        if (depth > 4) return null;
        if (s_fixed.TryGetValue(message, out var zh)) return zh;
        if (KithLocalizer.Chinese.TryGetValue(message, out zh)) return zh;
        // A message carries values users typed, and each hole is a lazy run: past a length no rule message reaches, or
        // when a backtracking shape takes too long on it, the message stays English.
        if (message.Length > MaxShaped) return null;
        foreach (var shape in s_shapes)
            if (Matched(shape.Pattern, message) is { } m && shape.Fill(m, l, depth) is { } filled)
                return filled;
        if (ImportMessages.TryChinese(message, l) is { } imported) return imported;
        return Sentences(message, l, depth);
    }

    /// <summary>Several sentences joined with spaces (a form's field errors as one message): each translated, or none.</summary>
    private static string? Sentences(string message, IStringLocalizer l, int depth)
    {
        for (var at = message.IndexOf(". ", StringComparison.Ordinal); at > 0; at = message.IndexOf(". ", at + 1, StringComparison.Ordinal))
        {
            var first = message[..(at + 1)];
            if (!IsWhole(first)) continue;
            if (TryChinese(first, l, depth + 1) is { } a && TryChinese(message[(at + 2)..], l, depth + 1) is { } b) return a + b;
        }
        return null;
    }

    private static bool IsWhole(string sentence) => s_fixed.ContainsKey(sentence) || KithLocalizer.Chinese.ContainsKey(sentence)
        || (sentence.Length <= MaxShaped && s_shapes.Any(s => Matched(s.Pattern, sentence) is not null));

    /// <summary>The longest message matched against the shapes (the longest engine sentence with its values is far shorter).</summary>
    internal const int MaxShaped = 2_000;

    /// <summary>How long a backtracking shape may take on one message before it counts as not matching.</summary>
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The shape's match, or null when it does not match or gives up after <see cref="MatchTimeout"/>.</summary>
    internal static Match? Matched(Regex pattern, string message)
    {
        try
        {
            return pattern.Match(message) is { Success: true } m ? m : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private sealed record Shape(Regex Pattern, string[] Holes, string Chinese, int Literal)
    {
        /// <summary>The Chinese sentence with the holes filled, or null when a hole's value has no Chinese (a value
        /// its map does not name, a message that is not one): then the sentence is not this shape's.</summary>
        public string? Fill(Match m, IStringLocalizer l, int depth)
        {
            var whole = true;
            var text = HoleInChinese().Replace(Chinese.Replace("{{", "\u0001").Replace("}}", "\u0002"), h =>
            {
                var content = h.Groups[1].Value;
                var index = Array.FindIndex(Holes, x => content == x || content.StartsWith(x + "|", StringComparison.Ordinal));
                if (index < 0) return h.Value;
                var value = m.Groups["h" + index].Value;
                var spec = content.Length > Holes[index].Length ? content[(Holes[index].Length + 1)..] : "";
                if (spec.Length == 0) return value;
                if (spec == "m") return TryChinese(value, l, depth + 1) ?? Fail();
                foreach (var pair in spec.Split('|', StringSplitOptions.RemoveEmptyEntries))
                    if (pair.Split('=', 2) is [var from, var to] && from == value) return to;
                return Fail();
            });
            return whole ? text.Replace("\u0001", "{").Replace("\u0002", "}") : null;

            string Fail()
            {
                whole = false;
                return "";
            }
        }
    }

    private static readonly FrozenDictionary<string, string> s_entries = Load();
    private static readonly FrozenDictionary<string, string> s_fixed =
        s_entries.Where(e => Holes(e.Key).Length == 0).ToFrozenDictionary(e => e.Key.Replace("{{", "{").Replace("}}", "}"), e => e.Value.Replace("{{", "{").Replace("}}", "}"));
    private static readonly Shape[] s_shapes =
        s_entries.Where(e => Holes(e.Key).Length > 0).Select(e => Compile(e.Key, e.Value)).OrderByDescending(s => s.Literal).ToArray();

    /// <summary>The holes of a template, in order, each once.</summary>
    public static string[] Holes(string template) =>
        HoleInTemplate().Matches(template.Replace("{{", "").Replace("}}", "")).Select(m => m.Groups[1].Value).Distinct().ToArray();

    private static Shape Compile(string template, string chinese)
    {
        var holes = new List<string>();
        var pattern = new StringBuilder("^");
        var literal = 0;
        for (var i = 0; i < template.Length;)
        {
            if (template.AsSpan(i).StartsWith("{{") || template.AsSpan(i).StartsWith("}}"))
            {
                pattern.Append(Regex.Escape(template[i].ToString()));
                literal++;
                i += 2;
            }
            else if (template[i] == '{')
            {
                var end = template.IndexOf('}', i);
                var hole = template[(i + 1)..end];
                var index = holes.IndexOf(hole);
                if (index < 0) { holes.Add(hole); pattern.Append($"(?<h{holes.Count - 1}>.*?)"); }
                else pattern.Append($@"\k<h{index}>");
                i = end + 1;
            }
            else
            {
                pattern.Append(Regex.Escape(template[i].ToString()));
                literal++;
                i++;
            }
        }
        pattern.Append('$');
        // Without a repeated hole a shape needs no backreference, so it runs on the engine whose time is linear in the
        // message (a crafted value cannot make it backtrack); the few with one keep the timeout.
        var repeated = pattern.ToString().Contains(@"\k<", StringComparison.Ordinal);
        var regex = repeated
            ? new Regex(pattern.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant, MatchTimeout)
            : new Regex(pattern.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        return new Shape(regex, [.. holes], chinese, literal);
    }

    private static FrozenDictionary<string, string> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Kith.Infrastructure.RuleMessages.zh-Hans.rules.json")
                           ?? throw new InvalidOperationException("RuleMessages.zh-Hans.rules.json is not embedded.");
        var entries = JsonSerializer.Deserialize<Dictionary<string, string>>(stream)
                      ?? throw new InvalidOperationException("RuleMessages.zh-Hans.rules.json is not a JSON object of strings.");
        return entries.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex HoleInTemplate();

    [GeneratedRegex(@"\{([^{}\u0001\u0002]*)\}")]
    private static partial Regex HoleInChinese();
}
