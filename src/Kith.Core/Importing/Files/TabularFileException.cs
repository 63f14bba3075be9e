namespace Kith.Core.Importing.Files;

/// <summary>
/// A file Kith cannot read as a table: empty, binary, damaged, hostile (a zip bomb, an XML entity declaration) or past
/// a limit of <see cref="TabularOptions"/>. The message says what and where for a person; <see cref="Line"/> (file line,
/// or XLSX row) and <see cref="Column"/> (1-based) say where for a report.
/// </summary>
public sealed class TabularFileException(string message, int? line = null, int? column = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int? Line { get; } = line;
    public int? Column { get; } = column;
}
