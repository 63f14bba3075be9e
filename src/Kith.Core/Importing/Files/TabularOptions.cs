namespace Kith.Core.Importing.Files;

/// <summary>What a <see cref="TabularFile"/> holds: text with separated values, or an Excel workbook.</summary>
public enum TabularFormat { Csv, Xlsx }

/// <summary>
/// Overrides and limits for reading a file. The limits keep memory bounded whatever a file holds: a value past a
/// limit stops the read with a <see cref="TabularFileException"/> that says where.
/// </summary>
public sealed record TabularOptions
{
    /// <summary>
    /// The text encoding when detection guesses wrong (<c>--encoding</c>): "utf-8", "utf-16" (little-endian),
    /// "utf-16be", "utf-32", "gb18030", "gbk" (read as GB18030, its superset) or any other name .NET knows, such as
    /// "windows-1252". Null detects it. Ignored for XLSX.
    /// </summary>
    public string? Encoding { get; init; }

    /// <summary>The delimiter when detection guesses wrong (<c>--delimiter</c>): ',', ';', '\t', '|'. Null detects it.</summary>
    public char? Delimiter { get; init; }

    /// <summary>Most columns a row may have, the header included.</summary>
    public int MaxColumns { get; init; } = 1000;

    /// <summary>
    /// Most characters in one field. A quote that is never closed runs on as one field, so this is also what stops a
    /// missing quote from reading the rest of a large file into memory.
    /// </summary>
    public int MaxFieldChars { get; init; } = 1_000_000;

    /// <summary>Most bytes an XLSX may expand to, summed over its parts: the zip bomb guard.</summary>
    public long MaxXlsxUncompressedBytes { get; init; } = 2L << 30;
}
