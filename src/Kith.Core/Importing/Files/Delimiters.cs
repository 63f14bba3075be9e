namespace Kith.Core.Importing.Files;

/// <summary>
/// Guesses the delimiter from the header line and the lines after it. Each candidate is counted outside quotes; the
/// one the header holds and the following lines hold as often wins, so a semicolon file with decimal commas
/// (<c>name;amount</c> / <c>Ann;3,5</c>) is read by its semicolons. Ties go to the candidate the header holds most.
/// </summary>
internal static class Delimiters
{
    private static readonly char[] s_candidates = [',', ';', '\t', '|'];
    private const int SampleLines = 20;

    public static char Detect(string sample, bool sampleIsWholeFile)
    {
        var lines = CountPerLine(sample, sampleIsWholeFile);
        if (lines.Count == 0) return ',';
        var best = ',';
        (double Agreement, int InHeader) bestScore = (-1, 0);
        for (var c = 0; c < s_candidates.Length; c++)
        {
            var inHeader = lines[0][c];
            if (inHeader == 0) continue;
            var agreeing = 0;
            for (var i = 1; i < lines.Count; i++)
            {
                if (lines[i][c] == inHeader) agreeing++;
            }
            var score = (lines.Count == 1 ? 1.0 : agreeing / (double)(lines.Count - 1), inHeader);
            if (score.CompareTo(bestScore) > 0)
            {
                bestScore = score;
                best = s_candidates[c];
            }
        }
        return best;
    }

    public static string Describe(char delimiter) => delimiter switch
    {
        '\t' => "tab",
        ',' => "comma",
        ';' => "semicolon",
        '|' => "pipe",
        _ => $"'{delimiter}'",
    };

    /// <summary>Candidate counts for each non-blank line of the sample, quote-aware, the last line left out when the
    /// sample cuts it.</summary>
    private static List<int[]> CountPerLine(string sample, bool complete)
    {
        var lines = new List<int[]>();
        var counts = new int[s_candidates.Length];
        bool inQuotes = false, fieldStart = true, afterClose = false, blank = true;
        var i = 0;
        for (; i < sample.Length && lines.Count < SampleLines; i++)
        {
            var ch = sample[i];
            if (inQuotes)
            {
                if (ch == '"')
                {
                    inQuotes = false;
                    afterClose = true;
                }
                continue;
            }
            if (ch is '\r' or '\n')
            {
                if (!blank) lines.Add(counts);
                counts = new int[s_candidates.Length];
                blank = true;
                fieldStart = true;
                afterClose = false;
                continue;
            }
            var candidate = Array.IndexOf(s_candidates, ch);
            if (candidate >= 0)
            {
                counts[candidate]++;
                fieldStart = true;
                afterClose = false;
                blank = false;
                continue;
            }
            // As in the reader: a quote opens a quoted field at its start, or again right after closing ("" escapes).
            if (ch == '"' && (fieldStart || afterClose)) inQuotes = true;
            if (!char.IsWhiteSpace(ch)) blank = false;
            fieldStart = false;
            afterClose = false;
        }
        if (complete && i == sample.Length && !blank && lines.Count < SampleLines) lines.Add(counts);
        return lines;
    }
}
