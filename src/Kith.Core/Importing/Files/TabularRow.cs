namespace Kith.Core.Importing.Files;

/// <summary>
/// One data row. <paramref name="Line"/> is where the row starts: for text, the file's line number with the header on
/// line 1 and a line break inside a quoted field counting as a line, as an editor shows it; for XLSX, the sheet's row
/// number. <paramref name="Cells"/> are the values as written (not trimmed); a row may have fewer or more cells than
/// the header has names.
/// </summary>
public readonly record struct TabularRow(int Line, string[] Cells);
