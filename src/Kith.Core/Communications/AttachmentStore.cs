using System.Security.Cryptography;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Communications;

/// <summary>An attachment opened for download: the name to offer and the stream of its bytes.</summary>
public sealed record AttachmentDownload(string FileName, long Size, Stream Content);

/// <summary>
/// Attachment files under data/attachments, each by a random name: nothing the uploader chose reaches the file
/// system, so a name like "../../kith.db" or "x.svg" is only ever a download name. The web host serves them as
/// downloads (application/octet-stream, Content-Disposition: attachment, nosniff), never inline.
/// </summary>
public sealed class AttachmentStore(KithDb db, DatabaseOptions options, CommunicationQueries queries, TimeProvider clock)
{
    public const long MaxBytes = 10 * 1024 * 1024;
    public const int MaxPerCommunication = 20;

    private string Folder => Path.Combine(options.DataDirectory, "attachments");

    public async Task<AttachmentRef> AddAsync(AccessScope scope, long communicationId, string fileName, Stream content, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        await queries.GetAsync(scope, communicationId, ct);
        var name = CleanName(fileName);
        if (await db.CommunicationAttachments.CountAsync(a => a.CommunicationId == communicationId, ct) >= MaxPerCommunication)
            throw RuleViolation.Field("file", $"A communication holds at most {MaxPerCommunication} attachments.");
        Directory.CreateDirectory(Folder);
        var stored = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var path = Path.Combine(Folder, stored);
        long size;
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                var buffer = new byte[81920];
                size = 0;
                int n;
                while ((n = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += n;
                    if (size > MaxBytes) throw RuleViolation.Field("file", $"'{name}' is larger than the limit of {MaxBytes / 1024 / 1024} MB.");
                    await file.WriteAsync(buffer.AsMemory(0, n), ct);
                }
            }
            if (size == 0) throw RuleViolation.Field("file", $"'{name}' is empty.");
            var attachment = new CommunicationAttachment
            {
                CommunicationId = communicationId, FileName = name, StoredName = stored, Size = size,
                CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedByUserId = scope.UserId,
            };
            db.CommunicationAttachments.Add(attachment);
            await db.SaveChangesAsync(ct);
            return new AttachmentRef(attachment.Id, name, size, attachment.CreatedAt);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Opens an attachment of a communication the caller may read; anything else is NotFound.</summary>
    public async Task<AttachmentDownload> OpenAsync(AccessScope scope, long communicationId, long attachmentId, CancellationToken ct)
    {
        await queries.GetAsync(scope, communicationId, ct);
        var a = await db.CommunicationAttachments.AsNoTracking().FirstOrDefaultAsync(x => x.Id == attachmentId && x.CommunicationId == communicationId, ct)
                ?? throw new NotFound("Attachment");
        var path = Path.Combine(Folder, a.StoredName);
        if (!File.Exists(path)) throw new NotFound("Attachment");
        return new AttachmentDownload(a.FileName, a.Size, File.OpenRead(path));
    }

    public async Task DeleteAsync(AccessScope scope, long communicationId, long attachmentId, CancellationToken ct)
    {
        scope.EnsureCanEdit();
        await queries.GetAsync(scope, communicationId, ct);
        var a = await db.CommunicationAttachments.FirstOrDefaultAsync(x => x.Id == attachmentId && x.CommunicationId == communicationId, ct)
                ?? throw new NotFound("Attachment");
        db.CommunicationAttachments.Remove(a);
        await db.SaveChangesAsync(ct);
        Remove(a.StoredName);
    }

    internal void Remove(string storedName)
    {
        // Stored names are hex we generated; anything else never came from here.
        if (storedName.Length == 32 && storedName.All(char.IsAsciiHexDigitLower)) File.Delete(Path.Combine(Folder, storedName));
    }

    private static string CleanName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/')).Trim();
        name = new string(name.Where(ch => !char.IsControl(ch) && ch != '"').ToArray());
        if (name.Length == 0) name = "attachment";
        return name.Length > 255 ? name[^255..] : name;
    }
}
