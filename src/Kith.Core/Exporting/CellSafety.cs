namespace Kith.Core.Exporting;

/// <summary>
/// Keeps spreadsheet programs from running exported text as a formula (CSV injection): a cell that starts with
/// <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return gets a leading apostrophe, which Excel and
/// LibreOffice read as "this is text". So that export then import gives back exactly what was exported, a cell that
/// already starts with an apostrophe followed by one of those characters (or by another apostrophe) gets one more,
/// and <see cref="Restore"/>, which the importer applies to every cell, takes exactly one off again.
/// </summary>
/// <remarks>
/// A phone stored as +8613800138000 therefore exports as '+8613800138000 and a negative number as '-5: the price
/// of a rule with no exceptions, which is what OWASP recommends. Import restores them.
/// </remarks>
public static class CellSafety
{
    public static string Neutralise(string value)
    {
        if (value.Length == 0) return value;
        var first = value[0];
        if (IsFormulaStart(first)) return "'" + value;
        if (first == '\'' && value.Length > 1 && IsEscaped(value[1])) return "'" + value;
        return value;
    }

    public static string Restore(string value) =>
        value.Length > 1 && value[0] == '\'' && IsEscaped(value[1]) ? value[1..] : value;

    private static bool IsFormulaStart(char c) => c is '=' or '+' or '-' or '@' or '\t' or '\r';

    private static bool IsEscaped(char c) => IsFormulaStart(c) || c == '\'';
}
