using System.Globalization;
using System.Security.Cryptography;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;

namespace Kith.Core.Settings;

/// <summary>
/// A record's id in this Kith install, as exports write it under "kithId": the row id, an @ and the install's mark,
/// e.g. 42@3f9a1c0b7d2e. The mark is made when the database is set up or upgraded (DatabaseInitializer), so an export
/// only reads, and kept in settings (a backup keeps it), so an import can tell its own records from those of a file
/// exported by another Kith install, whose ids mean other people (ADR-0052).
/// </summary>
public static class KithIds
{
    public const string Field = "kithId";
    public const string MarkKey = "workspace.mark";

    /// <summary>This install's mark, made (twelve random hex digits) when there is none yet.</summary>
    public static async Task<string> MarkAsync(KithDb db, CancellationToken ct)
    {
        if (await ReadMarkAsync(db, ct) is { } mark) return mark;
        // Two nodes starting at once: one insert wins and both read it.
        await Sql.ExecAsync(db, $"INSERT INTO settings (key, value) VALUES ({Sql.P(db, 0)}, {Sql.P(db, 1)}) ON CONFLICT (key) DO NOTHING", ct,
            MarkKey, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        return await ReadMarkAsync(db, ct) ?? throw new InvalidOperationException("The install's mark was not stored.");
    }

    /// <summary>This install's mark, or null in a database the initializer has not set up (then no file holds a kithId of this install).</summary>
    public static async Task<string?> ReadMarkAsync(KithDb db, CancellationToken ct)
    {
        string? mark = null;
        await Sql.ReadAsync(db, $"SELECT value FROM settings WHERE key = {Sql.P(db, 0)}", r => mark = r.GetString(0), ct, MarkKey);
        return string.IsNullOrEmpty(mark) ? null : mark;
    }

    public static string Format(long id, string mark) => id.ToString(CultureInfo.InvariantCulture) + "@" + mark;

    /// <summary>Reads "42@3f9a1c0b7d2e" (spaces around it were trimmed by the cleaner; the mark ignores case).</summary>
    public static bool TryParse(string text, out long id, out string mark)
    {
        id = 0;
        mark = "";
        var at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1) return false;
        if (!long.TryParse(text.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out id) || id <= 0) return false;
        mark = text[(at + 1)..].ToLowerInvariant();
        return true;
    }

    /// <summary>The message for a value that is not a Kith id.</summary>
    public static string NotAKithId(string text) =>
        $"'{text}' is not a Kith id; Kith's export writes them as 42@3f9a1c0b7d2e. Empty the cell to match the row by its other keys.";
}
