using Kith.Core.Infrastructure;
using Microsoft.AspNetCore.Components.Forms;

namespace Kith.Importing;

/// <summary>
/// A file the browser uploaded for the import page, kept under the data folder (imports/*.draft) while the user maps
/// and previews it. It streams to disk as it arrives, never whole into memory, so a file of gigabytes is fine. The
/// page deletes it when the job has taken its own copy or the page closes; drafts a dead circuit left behind are
/// removed a day later.
/// </summary>
public sealed class ImportUpload : IDisposable
{
    /// <summary>The largest file the page takes: the same as the API's.</summary>
    public const long MaxBytes = ImportsApi.MaxUploadBytes;

    private static readonly TimeSpan s_abandonedAfter = TimeSpan.FromDays(1);

    private ImportUpload(string path, string fileName, long bytes)
    {
        Path = path;
        FileName = fileName;
        Bytes = bytes;
    }

    public string Path { get; }
    public string FileName { get; }
    public long Bytes { get; }

    public static string Folder(DatabaseOptions database) => System.IO.Path.Combine(database.DataDirectory, "imports");

    /// <summary>Copies <paramref name="file"/> to a new draft, reporting the bytes written so far.</summary>
    public static async Task<ImportUpload> SaveAsync(IBrowserFile file, DatabaseOptions database, TimeProvider clock, IProgress<long>? progress, CancellationToken ct)
    {
        if (file.Size > MaxBytes)
            throw new RuleViolation($"The file is {ImportTexts.Bytes(file.Size)}; the largest file an import takes is {ImportTexts.Bytes(MaxBytes)}.");
        var folder = Folder(database);
        Directory.CreateDirectory(folder);
        RemoveAbandoned(folder, clock.GetUtcNow().UtcDateTime - s_abandonedAfter);
        var path = System.IO.Path.Combine(folder, $"{Guid.NewGuid():N}.draft");
        try
        {
            await using var source = file.OpenReadStream(MaxBytes, ct);
            await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            long written = 0, reported = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, read), ct);
                written += read;
                // A progress message per megabyte keeps the circuit quiet on large files.
                if (written - reported >= 1 << 20)
                {
                    reported = written;
                    progress?.Report(written);
                }
            }
            progress?.Report(written);
            return new ImportUpload(path, file.Name, written);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public Stream OpenRead() => new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still open by a preview that is finishing; the sweep of abandoned drafts removes it later.
        }
    }

    private static void RemoveAbandoned(string folder, DateTime before)
    {
        foreach (var draft in Directory.EnumerateFiles(folder, "*.draft"))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(draft) < before) File.Delete(draft);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use by another page: not abandoned after all.
            }
        }
    }
}
