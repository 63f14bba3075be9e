using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.SensitiveFields;

/// <summary>Refuses to start when fields are marked sensitive but the key file is gone: better a clear stop than errors on every read.</summary>
public static class FieldKeyCheck
{
    public static async Task EnsureAsync(KithDb db, CancellationToken ct)
    {
        if (CustomerSealing.Of(db) is not { } sealing || sealing.Cipher.Ring.Exists) return;
        if (await db.SensitiveFields.AnyAsync(ct)) throw new MissingFieldKeys(sealing.Cipher.Ring.FilePath);
    }
}
