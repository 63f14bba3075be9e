using System.Text.Json;
using System.Text.Json.Serialization;
using Kith.Core.Infrastructure;

namespace Kith.Core.Backups;

/// <summary>
/// What a backup archive holds, written into it as manifest.json: when and from which Kith it was taken, every table's
/// row count and checksum at that moment, and every file's size and SHA-256, so a restore can be checked before and
/// after it is unpacked.
/// </summary>
public sealed record BackupManifest
{
    public const string EntryName = "manifest.json";
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public string KithVersion { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DatabaseProvider Provider { get; init; }
    /// <summary>Whether secret.key (which unseals mailbox passwords) is inside; it is not unless asked for.</summary>
    public bool IncludesSecretKey { get; init; }
    public IReadOnlyList<TableCount> Tables { get; init; } = [];
    public IReadOnlyList<BackupFile> Files { get; init; } = [];

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

/// <summary>
/// A table's rows at backup time. The checksum is order-free (a sum of per-row hashes), so it holds however the
/// database lays the rows out after a restore.
/// </summary>
public sealed record TableCount(string Name, long Rows, string Checksum);

/// <summary>One file in the archive: its path there, its size and SHA-256.</summary>
public sealed record BackupFile(string Path, long Bytes, string Sha256);

/// <summary>Where a backup, restore or verification has got to, for a progress bar.</summary>
public sealed record BackupProgress(string Phase, double Fraction, string Detail = "");

/// <summary>A backup could not be made, read or restored; the message says why and what to do.</summary>
public sealed class BackupFailed(string message, Exception? inner = null) : Exception(message, inner);
