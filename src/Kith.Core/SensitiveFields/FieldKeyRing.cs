using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kith.Core.Infrastructure;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// The keys of sensitive fields, in a file outside the database (ADR-0017): <c>field-keys.json</c> in the data folder,
/// or the path in KITH_FIELD_KEYS. It holds any number of AES-256 keys, each with an id that every ciphertext names,
/// one of them active (new values are sealed with it), and one HMAC key for the lookups (blind index) that equality
/// filters use. Old keys stay until <c>kith keys retire</c>, so values keep reading while a rotation runs.
/// The file is created with owner-only permissions the first time a field is marked sensitive; a stolen database or
/// backup without it reveals no sensitive value.
/// </summary>
public sealed class FieldKeyRing
{
    public const string FileName = "field-keys.json";
    public const string PathVariable = "KITH_FIELD_KEYS";

    private readonly Lock _gate = new();
    private Ring? _ring;
    private DateTime _readAt;

    public FieldKeyRing(string path) => FilePath = path;

    public string FilePath { get; }

    /// <summary>The key file for a data folder: KITH_FIELD_KEYS when set, otherwise field-keys.json beside the database.</summary>
    public static string PathFor(DatabaseOptions database) =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? Path.GetFullPath(path) : Path.Combine(database.DataDirectory, FileName);

    public bool Exists => File.Exists(FilePath);

    /// <summary>The id of the key new values are sealed with.</summary>
    public string ActiveKeyId => Current().Active;

    public IReadOnlyList<string> KeyIds => Current().Keys.Select(k => k.Id).ToList();

    /// <summary>The AES key with this id; a clear error when the ring does not have it (retired, or the wrong file).</summary>
    public byte[] Key(string id)
    {
        var ring = Current();
        if (ring.Keys.FirstOrDefault(k => k.Id == id) is { } key) return key.Bytes;
        // Another process (kith keys rotate) may have added it since this one read the file.
        ring = Reload();
        return ring.Keys.FirstOrDefault(k => k.Id == id)?.Bytes
               ?? throw new SealedValueUnreadable($"The field key '{id}' is not in {FilePath}: it was retired, or this is not the key file the values were sealed with.");
    }

    public byte[] ActiveKey() => Key(ActiveKeyId);

    public byte[] LookupKey => Current().LookupKey;

    /// <summary>Creates the file with a first key when it does not exist yet (marking the first sensitive field does).</summary>
    public void EnsureCreated()
    {
        lock (_gate)
        {
            if (File.Exists(FilePath)) return;
            var ring = new Ring("k1", RandomNumberGenerator.GetBytes(32), [new RingKey("k1", RandomNumberGenerator.GetBytes(32))]);
            Write(ring, createNew: true);
            _ring = null;
        }
    }

    /// <summary>Adds a new key and makes it the active one; returns its id. Values sealed before keep their old key until re-sealed.</summary>
    public string AddActiveKey()
    {
        lock (_gate)
        {
            var ring = Load();
            var next = 1 + ring.Keys.Select(k => int.TryParse(k.Id.AsSpan(1), out var n) ? n : 0).DefaultIfEmpty(0).Max();
            var id = "k" + next;
            Write(ring with { Active = id, Keys = [.. ring.Keys, new RingKey(id, RandomNumberGenerator.GetBytes(32))] }, createNew: false);
            _ring = null;
            return id;
        }
    }

    /// <summary>Removes a key for good. The caller has checked that no value uses it (<see cref="FieldKeys"/>).</summary>
    public void Remove(string id)
    {
        lock (_gate)
        {
            var ring = Load();
            if (ring.Active == id) throw RuleViolation.Field("key", $"'{id}' is the active key; rotate to a new key first.");
            if (ring.Keys.All(k => k.Id != id)) throw RuleViolation.Field("key", $"There is no key '{id}' in {FilePath}.");
            Write(ring with { Keys = ring.Keys.Where(k => k.Id != id).ToList() }, createNew: false);
            _ring = null;
        }
    }

    private Ring Current()
    {
        lock (_gate)
        {
            // kith keys rotate, run as another process, rewrites the file: a server notices on its next use.
            if (_ring is not null && File.GetLastWriteTimeUtc(FilePath) == _readAt) return _ring;
            return _ring = Load();
        }
    }

    private Ring Reload()
    {
        lock (_gate)
        {
            return _ring = Load();
        }
    }

    private Ring Load()
    {
        if (!File.Exists(FilePath))
            throw new MissingFieldKeys(FilePath);
        _readAt = File.GetLastWriteTimeUtc(FilePath);
        var file = JsonSerializer.Deserialize<RingFile>(File.ReadAllText(FilePath), JsonOptions)
                   ?? throw new SealedValueUnreadable($"{FilePath} is empty.");
        var keys = file.Keys.Select(k => new RingKey(k.Id, Convert.FromBase64String(k.Key))).ToList();
        if (keys.Any(k => k.Bytes.Length != 32) || Convert.FromBase64String(file.LookupKey).Length != 32 || keys.All(k => k.Id != file.Active))
            throw new SealedValueUnreadable($"{FilePath} is not a valid field key file: every key must be 256 bits and the active key one of them.");
        return new Ring(file.Active, Convert.FromBase64String(file.LookupKey), keys);
    }

    private void Write(Ring ring, bool createNew)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var json = JsonSerializer.Serialize(new RingFile(
            "Kith field encryption keys (docs/security.md). Without this file the sensitive fields cannot be read: back it up apart from the database.",
            ring.Active, Convert.ToBase64String(ring.LookupKey), ring.Keys.Select(k => new RingFileKey(k.Id, Convert.ToBase64String(k.Bytes))).ToList()), JsonOptions);
        // Written beside and renamed over, so a crash never leaves half a key file.
        var temp = FilePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(json));
            stream.Flush(flushToDisk: true);
        }
        if (createNew && File.Exists(FilePath)) { File.Delete(temp); return; }
        File.Move(temp, FilePath, overwrite: true);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record Ring(string Active, byte[] LookupKey, List<RingKey> Keys);
    private sealed record RingKey(string Id, byte[] Bytes);
    private sealed record RingFile(string About, string Active, string LookupKey, List<RingFileKey> Keys);
    private sealed record RingFileKey(string Id, string Key);
}

/// <summary>The key file is gone while the database holds sealed values: nothing sensitive can be read or written.</summary>
public sealed class MissingFieldKeys(string path) : RuleViolation(
    $"The field key file {path} is missing, but the database has fields marked sensitive. Restore the file from your key backup " +
    $"(or point {FieldKeyRing.PathVariable} at it); without it the sensitive values cannot be read.", status: 409);

/// <summary>A sealed value does not open: it was moved from another record or field, altered, or its key is gone.</summary>
public sealed class SealedValueUnreadable(string message) : RuleViolation(message, status: 409);
