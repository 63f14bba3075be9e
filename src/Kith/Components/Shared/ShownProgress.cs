namespace Kith.Components.Shared;

/// <summary>
/// Hands each progress report to a page as it comes. Progress&lt;T&gt; would need a synchronisation context the
/// circuit does not give; a page left while the work runs is disposed, and its report is dropped.
/// </summary>
public sealed class ShownProgress<T>(Action<T> show) : IProgress<T>
{
    public void Report(T value)
    {
        try
        {
            show(value);
        }
        catch (ObjectDisposedException)
        {
            // The page was left; leaving cancels the work, so there is nobody to tell.
        }
    }
}
