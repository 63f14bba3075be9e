namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// One cleaned cell: a typed value (string, long, decimal, DateOnly, DateTime in UTC, or string[] for tags), or an
/// error saying what is wrong with it, or neither when the cell is missing; plus the rules that changed it.
/// </summary>
public readonly record struct CleanResult(object? Value, string? Error, CleaningRule Rules)
{
    public bool IsError => Error is not null;
    public bool IsMissing => Value is null && Error is null;

    internal static CleanResult Missing(CleaningRule rules) => new(null, null, rules);
    internal static CleanResult Fail(string error, CleaningRule rules) => new(null, error, rules);
}

/// <summary>A message about one cell of a row: the column is the file's header name.</summary>
public readonly record struct CellIssue(string Column, string Message);
