using System.Buffers;
using System.Globalization;

namespace Kith.Core.Importing.Files;

/// <summary>
/// Sits between the decoder and Sep and walks every character once (vectorised between the few that matter), so that
/// a hostile file fails with a clear message instead of filling memory, and quotes mean what people mean by them.
/// <list type="bullet">
/// <item>Sep treats every quote as a toggle and reads an unclosed quote to the end of the file as one field. Here a
/// quote opens a quoted field only at the start of a field (or right after a closing quote: the "" escape); anywhere
/// else, as in <c>5'11" tall</c>, it is a literal character, which is how pandas and Excel read it too. Such a quote
/// reaches Sep as <see cref="LiteralQuote"/> and is turned back into a quote in the cell.</item>
/// <item>A quoted field longer than <see cref="TabularOptions.MaxFieldChars"/> stops the read, naming the line where
/// its quote opened; a row longer than <see cref="MaxRowChars"/> (Sep's own limit is 16,777,216) too.</item>
/// <item>A byte sequence the encoding cannot read and a NUL character stop the read, naming line and column.</item>
/// <item>A quote still open at the end of the file stops the read, naming the line where it opened.</item>
/// </list>
/// Line numbers are counted the way Sep counts them (CRLF, LF and CR each end a line, inside quotes too).
/// </summary>
internal sealed class CsvGuardReader : TextReader
{
    /// <summary>Stands for a literal quote on its way through Sep; a noncharacter, so text never holds it (a file that
    /// does gets U+FFFD in its place).</summary>
    public const char LiteralQuote = '\uFFFF';

    public const int MaxRowChars = 16_000_000;

    private readonly TextReader _inner;
    private readonly char _delimiter;
    private readonly int _maxFieldChars;
    private readonly string _encodingName;
    // Delimiters are not stops: they are the most frequent character, and counted in bulk where a column is needed.
    private static readonly SearchValues<char> s_stops = SearchValues.Create(['"', '\r', '\n', '\0', TextEncoding.DecodeError, LiteralQuote]);

    private bool _inQuotes;
    private char _previous = '\n';
    private long _line = 1, _rowLine = 1, _quoteLine = 1, _quotedChars, _rowChars;
    private int _column = 1;

    public CsvGuardReader(TextReader inner, char delimiter, int maxFieldChars, string encodingName)
    {
        _inner = inner;
        _delimiter = delimiter;
        _maxFieldChars = maxFieldChars;
        _encodingName = encodingName;
    }

    public override int Read(Span<char> buffer)
    {
        var n = _inner.Read(buffer);
        if (n == 0)
        {
            if (_inQuotes)
            {
                throw new TabularFileException(
                    $"line {Format(_quoteLine)}, column {_column}: a quote opens a field here and is never closed",
                    Clamp(_quoteLine), _column);
            }
            return 0;
        }
        Scan(buffer[..n]);
        return n;
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// Only quotes, line breaks and the characters that are errors stop the scan. Whether a quote opens a field is
    /// told by the character before it: a delimiter or line break (a field start), or a quote, which outside quotes
    /// can only be a closing one, since a literal quote has been swapped for <see cref="LiteralQuote"/> (the "" escape).
    /// </summary>
    private void Scan(Span<char> chars)
    {
        var i = 0;
        while (i < chars.Length)
        {
            var rest = chars[i..];
            var stop = rest.IndexOfAny(s_stops);
            var run = stop < 0 ? rest.Length : stop;
            if (run > 0)
            {
                _rowChars += run;
                if (_inQuotes) _quotedChars += run;
                else _column += rest[..run].Count(_delimiter);
                CheckLengths();
                i += run;
                _previous = chars[i - 1];
            }
            if (stop < 0) break;

            var c = chars[i];
            _rowChars++;
            switch (c)
            {
                case '"' when _inQuotes:
                    _inQuotes = false;
                    break;
                case '"' when _previous == _delimiter || _previous is '\r' or '\n' || _previous == '"':
                    if (_previous != '"')
                    {
                        _quoteLine = _line;
                        _quotedChars = 0;
                    }
                    _inQuotes = true;
                    break;
                case '"':
                    chars[i] = LiteralQuote;
                    break;
                case '\r':
                    _line++;
                    LineBreak();
                    break;
                case '\n':
                    if (_previous != '\r') _line++;
                    LineBreak();
                    break;
                case '\0':
                    throw new TabularFileException(
                        $"line {Format(_line)}, column {_column}: a NUL character, which text does not hold; this is not a {_encodingName} text file (name its encoding with --encoding)",
                        Clamp(_line), _column);
                case TextEncoding.DecodeError:
                    throw new TabularFileException(
                        $"line {Format(_line)}, column {_column}: bytes that are not valid {_encodingName}; name the file's encoding with --encoding (for example gb18030)",
                        Clamp(_line), _column);
                default:
                    // The file holds the noncharacter that stands for a literal quote: it becomes a replacement character.
                    chars[i] = '\uFFFD';
                    break;
            }
            if (_inQuotes) _quotedChars++;
            CheckLengths();
            _previous = chars[i];
            i++;
        }
    }

    private void LineBreak()
    {
        if (_inQuotes) return;
        _rowLine = _line;
        _column = 1;
        _rowChars = 0;
    }

    /// <summary>A quoted field past the field limit, or a row past the row limit. An unquoted field cannot run past a
    /// line break, so the row limit bounds it here and <see cref="CsvRowSource"/> checks its length.</summary>
    private void CheckLengths()
    {
        if (_inQuotes && _quotedChars > _maxFieldChars)
        {
            throw new TabularFileException(
                $"line {Format(_quoteLine)}, column {_column}: a quoted field opens here and runs on for more than {Format(_maxFieldChars)} characters; a closing quote is probably missing",
                Clamp(_quoteLine), _column);
        }
        if (_rowChars > MaxRowChars)
        {
            throw new TabularFileException(
                $"line {Format(_rowLine)}: the row starting here is longer than {Format(MaxRowChars)} characters",
                Clamp(_rowLine));
        }
    }

    private static string Format(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static int Clamp(long line) => (int)Math.Min(line, int.MaxValue);
}
