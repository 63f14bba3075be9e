using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Kith.Core.Infrastructure;

namespace Kith.Core.Backups;

/// <summary>
/// The archive format: a zip with manifest.json, the database (database/kith.db for SQLite, database/kith.pgdump
/// in pg_dump's custom format for PostgreSQL), attachments/… and, only when asked for, secret.key.
/// </summary>
internal static class BackupArchive
{
    public const string SqliteEntry = "database/kith.db";
    public const string PostgresEntry = "database/kith.pgdump";
    public const string AttachmentsPrefix = "attachments/";
    public const string AttachmentsFolder = "attachments";
    public const string KeyEntry = SecretBox.KeyFileName;
    public const string FieldKeysEntry = SensitiveFields.FieldKeyRing.FileName;

    public static string DatabaseEntry(DatabaseProvider provider) => provider == DatabaseProvider.Sqlite ? SqliteEntry : PostgresEntry;

    /// <summary>Copies a file into the archive and returns its manifest line.</summary>
    public static async Task<BackupFile> AddFileAsync(ZipArchive zip, string source, string entryName, CancellationToken ct)
    {
        var entry = zip.CreateEntry(entryName, CompressionLevel.Fastest);
        entry.LastWriteTime = File.GetLastWriteTimeUtc(source);
        await using var input = File.OpenRead(source);
        await using var output = await entry.OpenAsync(ct);
        var (bytes, sha256) = await CopyHashingAsync(input, output, null, ct);
        return new BackupFile(entryName, bytes, sha256);
    }

    /// <summary>Copies a stream and returns how many bytes went through and their SHA-256, telling <paramref name="copied"/> of each chunk.</summary>
    private static async Task<(long Bytes, string Sha256)> CopyHashingAsync(Stream input, Stream output, Action<int>? copied, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        var buffer = new byte[81920];
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), ct);
            bytes += read;
            copied?.Invoke(read);
        }
        return (bytes, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    public static async Task WriteManifestAsync(ZipArchive zip, BackupManifest manifest, CancellationToken ct)
    {
        var entry = zip.CreateEntry(BackupManifest.EntryName, CompressionLevel.Optimal);
        await using var output = await entry.OpenAsync(ct);
        await JsonSerializer.SerializeAsync(output, manifest, BackupManifest.Json, ct);
    }

    public static async Task<BackupManifest> ReadManifestAsync(ZipArchive zip, CancellationToken ct)
    {
        var entry = zip.GetEntry(BackupManifest.EntryName)
            ?? throw new BackupFailed("This is not a Kith backup: it has no manifest.json.");
        try
        {
            await using var input = await entry.OpenAsync(ct);
            var manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(input, BackupManifest.Json, ct)
                ?? throw new BackupFailed("The backup's manifest.json is empty.");
            if (manifest.Format > BackupManifest.CurrentFormat)
                throw new BackupFailed($"The backup was written by a newer Kith (format {manifest.Format}); upgrade Kith to restore it.");
            return manifest;
        }
        catch (JsonException e)
        {
            throw new BackupFailed($"The backup's manifest.json cannot be read: {e.Message}", e);
        }
    }

    public static ZipArchive Open(string path)
    {
        if (!File.Exists(path)) throw new BackupFailed($"There is no backup at {path}.");
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new BackupFailed($"{path} is not a readable backup archive (damaged or not a zip): {e.Message}", e);
        }
    }

    /// <summary>
    /// Unpacks every file the manifest lists into <paramref name="folder"/>, checking each one's size and SHA-256
    /// as it goes. Returns what differs; nothing is trusted until this comes back empty.
    /// </summary>
    public static async Task<List<string>> ExtractCheckedAsync(ZipArchive zip, BackupManifest manifest, string folder,
        Func<BackupFile, bool> include, IProgress<BackupProgress>? progress, double from, double to, CancellationToken ct)
    {
        var problems = new List<string>();
        var listed = manifest.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in zip.Entries.Where(e => e.Name.Length > 0 && e.FullName != BackupManifest.EntryName && !listed.Contains(e.FullName)))
            problems.Add($"{extra.FullName} is in the archive but not in the manifest.");
        var wanted = manifest.Files.Where(include).ToList();
        long total = Math.Max(1, wanted.Sum(f => f.Bytes)), done = 0;
        foreach (var file in wanted)
        {
            if (file.Path.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(file.Path))
            {
                problems.Add($"{file.Path}: a path outside the backup folder; refused.");
                continue;
            }
            var entry = zip.GetEntry(file.Path);
            if (entry is null)
            {
                problems.Add($"{file.Path} is listed in the manifest but missing from the archive.");
                continue;
            }
            var target = Path.Combine(folder, file.Path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            long bytes;
            string hash;
            try
            {
                await using var input = await entry.OpenAsync(ct);
                await using var output = File.Create(target);
                (bytes, hash) = await CopyHashingAsync(input, output, read =>
                {
                    done += read;
                    progress?.Report(new BackupProgress("Checking files", from + (to - from) * Math.Min(1, (double)done / total), file.Path));
                }, ct);
            }
            catch (InvalidDataException e)
            {
                problems.Add($"{file.Path} is damaged in the archive: {e.Message}");
                continue;
            }
            if (bytes != file.Bytes) problems.Add($"{file.Path}: {bytes} bytes, the manifest says {file.Bytes}.");
            else if (hash != file.Sha256) problems.Add($"{file.Path}: its SHA-256 differs from the manifest (the file is damaged).");
        }
        return problems;
    }
}
