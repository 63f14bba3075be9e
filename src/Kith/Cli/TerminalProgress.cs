namespace Kith.Cli;

/// <summary>
/// A progress bar on standard error: redrawn in place on a terminal, a line every tenth of the way when redirected
/// (so logs stay readable). Standard output stays free for what a command prints as its result.
/// </summary>
internal sealed class TerminalProgress(string label)
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private int _lastTenth = -1;
    private string? _lastLine;
    private DateTime _lastDraw;

    public void Draw(double fraction, string detail, bool force = false)
    {
        fraction = Math.Clamp(fraction, 0, 1);
        if (_interactive)
        {
            var now = DateTime.UtcNow;
            if (!force && now - _lastDraw < TimeSpan.FromMilliseconds(100)) return;
            _lastDraw = now;
            const int width = 30;
            var filled = (int)Math.Round(fraction * width);
            Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {fraction,4:P0} {detail}".PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 120, 160)));
            return;
        }
        var tenth = (int)(fraction * 10);
        if (tenth == _lastTenth && !force) return;
        _lastTenth = tenth;
        // A forced draw (a job's last report) often repeats the line its tenth already printed; a log shows it once.
        var line = $"{label} {fraction:P0} {detail}";
        if (line == _lastLine) return;
        _lastLine = line;
        Console.Error.WriteLine(line);
    }

    public void Done()
    {
        if (_interactive) Console.Error.WriteLine();
    }
}
