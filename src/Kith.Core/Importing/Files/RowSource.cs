namespace Kith.Core.Importing.Files;

/// <summary>The non-blank rows of a file, header first, in one forward pass.</summary>
internal interface IRowSource : IDisposable
{
    long Position { get; }

    /// <summary>Rows in file order; blank ones (every cell empty or white space) left out. Each row's cell count is
    /// checked against <see cref="TabularOptions.MaxColumns"/>.</summary>
    IEnumerable<TabularRow> Rows(Func<CancellationToken> ct);
}
