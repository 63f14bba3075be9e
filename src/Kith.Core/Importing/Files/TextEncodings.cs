using System.Text;

namespace Kith.Core.Importing.Files;

/// <summary>
/// The encoding of a text file: named in the options, else from its byte order mark, else guessed from its first
/// bytes (UTF-16 by its NUL bytes; else the first of UTF-8, GB18030 and Windows-1252 that decodes them strictly and
/// gives text rather than control characters). The encodings made here decode a byte sequence they cannot read to <see cref="DecodeError"/>, so that
/// <see cref="CsvGuardReader"/> can name the line it is on instead of letting it pass as a replacement character.
/// </summary>
internal sealed record TextEncoding(Encoding Encoding, string Name, int BomLength)
{
    /// <summary>
    /// What an unreadable byte sequence decodes to. U+FFFE is a noncharacter: text never holds it, so the reader can
    /// treat it as "not valid in this encoding" without mistaking real text for an error.
    /// </summary>
    public const char DecodeError = '\uFFFE';

    /// <summary>How much of the file the guess looks at: a few MB, so a file that starts in ASCII and turns to GB18030
    /// later is still caught (and the reader names the line if it turns later than this).</summary>
    public const int SniffBytes = 4 << 20;

    private const int SampleBytes = 64 << 10;

    static TextEncoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static TextEncoding Detect(ReadOnlySpan<byte> head, bool wholeFile, string? overrideName)
    {
        var (bomName, bomLength) = ByteOrderMark(head);
        if (overrideName is not null) return Named(overrideName, bomName, bomLength);
        if (bomName is not null) return new TextEncoding(Create(bomName), bomName == "utf-8" ? "utf-8-bom" : bomName, bomLength);

        var sample = head[..Math.Min(head.Length, SampleBytes)];
        if (sample.Contains((byte)0))
        {
            var utf16 = Utf16ByNulPattern(sample);
            if (utf16 is null) throw NotText();
            var guess = new TextEncoding(Create(utf16), utf16, 0);
            if (!LooksLikeText(guess, sample, wholeFile)) throw NotText();
            return guess;
        }
        // UTF-8 first: strict decoding rarely passes by chance. Then GB18030, what Excel on Chinese Windows saves as
        // "CSV"; then Windows-1252, what it saves on Western Windows, which decodes nearly any byte, so it comes last.
        foreach (var name in (ReadOnlySpan<string>)["utf-8", "gb18030", "windows-1252"])
        {
            if (!DecodesStrictly(name, head, wholeFile)) continue;
            var guess = new TextEncoding(Create(name), name, 0);
            if (LooksLikeText(guess, sample, wholeFile)) return guess;
        }
        throw NotText();
    }

    /// <summary>The start of the file as text, for the delimiter guess (a character cut at the end left out), and
    /// whether it is the whole file.</summary>
    public (string Text, bool WholeFile) Sample(ReadOnlySpan<byte> head, bool headIsWholeFile)
    {
        var bytes = head[Math.Min(BomLength, head.Length)..];
        var whole = headIsWholeFile && bytes.Length <= SampleBytes;
        bytes = bytes[..Math.Min(bytes.Length, SampleBytes)];
        var decoder = Encoding.GetDecoder();
        var chars = new char[Encoding.GetMaxCharCount(bytes.Length)];
        var n = decoder.GetChars(bytes, chars, flush: whole);
        return (new string(chars, 0, n), whole);
    }

    public static TabularFileException NotText() =>
        new("this is not a text or XLSX file: it holds binary data (if it is text, name its encoding with --encoding)");

    private static (string? Name, int Length) ByteOrderMark(ReadOnlySpan<byte> b) => b switch
    {
        [0xEF, 0xBB, 0xBF, ..] => ("utf-8", 3),
        [0xFF, 0xFE, 0x00, 0x00, ..] => ("utf-32le", 4),
        [0x00, 0x00, 0xFE, 0xFF, ..] => ("utf-32be", 4),
        [0xFF, 0xFE, ..] => ("utf-16le", 2),
        [0xFE, 0xFF, ..] => ("utf-16be", 2),
        _ => (null, 0),
    };

    private static TextEncoding Named(string requested, string? bomName, int bomLength)
    {
        var key = requested.Trim().ToLowerInvariant().Replace('_', '-');
        var name = key switch
        {
            "utf-8" or "utf8" or "utf-8-bom" or "utf-8-sig" => "utf-8",
            "utf-16" or "utf16" or "utf-16le" or "unicode" => "utf-16le",
            "utf-16be" or "unicodefffe" => "utf-16be",
            "utf-32" or "utf32" or "utf-32le" => "utf-32le",
            "utf-32be" => "utf-32be",
            // GBK and GB2312 are subsets of GB18030, and Excel on Chinese Windows writes "ANSI" as code page 936.
            "gb18030" or "gbk" or "gb2312" or "cp936" or "936" or "ansi" => "gb18030",
            _ => null,
        };
        if (name is null)
        {
            Encoding other;
            try
            {
                other = Encoding.GetEncoding(key, EncoderFallback.ReplacementFallback, new DecoderReplacementFallback(DecodeError.ToString()));
            }
            catch (ArgumentException)
            {
                throw new TabularFileException(
                    $"unknown encoding \"{requested}\"; use utf-8, utf-16, utf-16be, gb18030 or another encoding name .NET knows (such as windows-1252)");
            }
            return new TextEncoding(other, other.WebName, 0);
        }
        // A byte order mark of the named encoding is skipped, as any reader would; one of another encoding is kept as
        // text, since the person said what the bytes are.
        var skip = bomName == name ? bomLength : 0;
        return new TextEncoding(Create(name), name == "utf-8" && skip > 0 ? "utf-8-bom" : name, skip);
    }

    private static Encoding Create(string name)
    {
        var fallback = new DecoderReplacementFallback(DecodeError.ToString());
        return name switch
        {
            "utf-8" => Encoding.GetEncoding("utf-8", EncoderFallback.ReplacementFallback, fallback),
            "utf-16le" => Encoding.GetEncoding("utf-16", EncoderFallback.ReplacementFallback, fallback),
            "utf-16be" => Encoding.GetEncoding("utf-16BE", EncoderFallback.ReplacementFallback, fallback),
            "utf-32le" => Encoding.GetEncoding("utf-32", EncoderFallback.ReplacementFallback, fallback),
            "utf-32be" => Encoding.GetEncoding("utf-32BE", EncoderFallback.ReplacementFallback, fallback),
            _ => Encoding.GetEncoding(name, EncoderFallback.ReplacementFallback, fallback),
        };
    }

    /// <summary>
    /// UTF-16 without a byte order mark shows in its NUL bytes: ASCII characters (digits, delimiters, line breaks,
    /// Latin names) have a zero high byte, so NULs crowd on odd offsets (little-endian) or even ones (big-endian).
    /// NULs spread over both are binary data.
    /// </summary>
    private static string? Utf16ByNulPattern(ReadOnlySpan<byte> b)
    {
        int even = 0, odd = 0;
        for (var i = 0; i + 1 < b.Length; i += 2)
        {
            if (b[i] == 0) even++;
            if (b[i + 1] == 0) odd++;
        }
        var pairs = Math.Max(1, b.Length / 2);
        if (odd * 10 >= pairs && even * 4 <= odd) return "utf-16le";
        if (even * 10 >= pairs && odd * 4 <= even) return "utf-16be";
        return null;
    }

    private static bool DecodesStrictly(string name, ReadOnlySpan<byte> head, bool wholeFile)
    {
        var strict = Encoding.GetEncoding(name, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        try
        {
            // Not flushed unless this is the whole file: a character cut by the end of the look-ahead is not an error.
            strict.GetDecoder().GetCharCount(head, flush: wholeFile);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Text holds few control characters; binary data decoded as text holds many.</summary>
    private static bool LooksLikeText(TextEncoding guess, ReadOnlySpan<byte> sample, bool wholeFile)
    {
        var decoder = guess.Encoding.GetDecoder();
        var chars = new char[guess.Encoding.GetMaxCharCount(sample.Length)];
        var n = decoder.GetChars(sample, chars, flush: wholeFile);
        var controls = 0;
        foreach (var c in chars.AsSpan(0, n))
        {
            if (c == TextEncoding.DecodeError || (char.IsControl(c) && c is not ('\t' or '\r' or '\n' or '\f' or '\v'))) controls++;
        }
        return controls <= 8 || controls * 200 <= n;
    }
}
