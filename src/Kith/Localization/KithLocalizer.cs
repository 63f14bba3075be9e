using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Localization;

namespace Kith.Localization;

/// <summary>
/// English is the key: `L["Customers"]` shows "Customers" in English and the Simplified Chinese text in zh-Hans.
/// Each feature folder keeps its own `*.zh-Hans.json` (embedded) mapping English to Chinese, so features never
/// edit one shared file. A text with no translation falls back to English.
/// </summary>
public sealed class KithLocalizer : IStringLocalizer
{
    public static readonly string[] Languages = ["en", "zh-Hans"];
    private static readonly FrozenDictionary<string, string> s_chinese = Load();

    public LocalizedString this[string name] => Translate(name, null);

    public LocalizedString this[string name, params object[] arguments] => Translate(name, arguments);

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) =>
        s_chinese.Select(p => new LocalizedString(p.Key, IsChinese ? p.Value : p.Key));

    public static bool IsChinese => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase);

    /// <summary>English texts that have a Chinese translation, for tests that check a page is fully translated.</summary>
    public static IReadOnlyDictionary<string, string> Chinese => s_chinese;

    private static LocalizedString Translate(string name, object[]? arguments)
    {
        var found = s_chinese.TryGetValue(name, out var zh);
        var text = IsChinese && found ? zh! : name;
        if (arguments is { Length: > 0 }) text = string.Format(CultureInfo.CurrentCulture, text, arguments);
        return new LocalizedString(name, text, resourceNotFound: IsChinese && !found);
    }

    private static FrozenDictionary<string, string> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".zh-Hans.json", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            var entries = JsonSerializer.Deserialize<Dictionary<string, string>>(stream)
                          ?? throw new InvalidOperationException($"{resource} is not a JSON object of strings.");
            foreach (var (en, zh) in entries)
                if (!all.TryAdd(en, zh) && all[en] != zh)
                    throw new InvalidOperationException($"'{en}' has two Chinese translations ({resource}).");
        }
        return all.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
