using Kith.Core.Search;

namespace Kith.Cli;

/// <summary>
/// Shows the search index rebuild that follows an upgrade (a few minutes at a million customers) on standard error,
/// so whoever started Kith sees why it has not answered yet: a bar on a terminal, a line every tenth in a log.
/// </summary>
internal sealed class SearchIndexBar : IProgress<SearchIndexProgress>
{
    private readonly Dictionary<string, TerminalProgress> _bars = [];
    private TerminalProgress? _current;

    public void Report(SearchIndexProgress value)
    {
        if (!_bars.TryGetValue(value.Table, out var bar))
        {
            _current?.Done();
            _bars[value.Table] = bar = _current = new TerminalProgress($"Rebuilding the search index of {value.Table} after the upgrade");
        }
        bar.Draw(value.Total == 0 ? 1 : (double)value.Done / value.Total, $"{value.Done:N0} of {value.Total:N0}", force: value.Done == 0 || value.Done == value.Total);
    }

    /// <summary>Ends the last bar's line.</summary>
    public void Done() => _current?.Done();
}
