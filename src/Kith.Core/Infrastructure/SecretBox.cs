using System.Security.Cryptography;
using System.Text;

namespace Kith.Core.Infrastructure;

/// <summary>
/// Encrypts secrets Kith must be able to read back (a mailbox password) with AES-256-GCM under a key that lives
/// outside the database: <c>secret.key</c> in the data folder, created on first use with owner-only permissions
/// (0600). A stolen database or backup alone therefore does not reveal the secrets. Each value carries its own
/// nonce and a version prefix so that key rotation (issue 6) can tell old values from new ones.
/// </summary>
public sealed class SecretBox
{
    public const string KeyFileName = "secret.key";
    private const string Prefix = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly string _keyPath;
    private readonly Lock _gate = new();
    private byte[]? _key;

    public SecretBox(DatabaseOptions database) : this(Path.Combine(database.DataDirectory, KeyFileName)) { }

    public SecretBox(string keyPath) => _keyPath = keyPath;

    /// <summary>The purpose is bound into the ciphertext, so a value encrypted for one use cannot be replayed for another.</summary>
    public string Encrypt(string plain, string purpose)
    {
        var data = Encoding.UTF8.GetBytes(plain);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(), TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Encoding.UTF8.GetBytes(purpose));
        return Prefix + Convert.ToBase64String(output);
    }

    public string Decrypt(string sealedText, string purpose)
    {
        if (!sealedText.StartsWith(Prefix, StringComparison.Ordinal)) throw new CryptographicException("The secret is not in a format this Kith reads.");
        var input = Convert.FromBase64String(sealedText[Prefix.Length..]);
        if (input.Length < NonceSize + TagSize) throw new CryptographicException("The secret is truncated.");
        var length = input.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(Key(), TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, length), input.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(purpose));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// A 256-bit key for another use, derived (HKDF-SHA256) from the same secret: one file outside the database keys
    /// every use, and a key derived for one purpose says nothing about another.
    /// </summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Key(), 32, info: Encoding.UTF8.GetBytes(purpose));

    private byte[] Key()
    {
        lock (_gate)
        {
            return _key ??= LoadOrCreate();
        }
    }

    private byte[] LoadOrCreate()
    {
        if (File.Exists(_keyPath)) return ReadKey();
        Directory.CreateDirectory(Path.GetDirectoryName(_keyPath)!);
        var key = RandomNumberGenerator.GetBytes(32);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var stream = new FileStream(_keyPath, options);
            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
            return key;
        }
        catch (IOException) when (File.Exists(_keyPath))
        {
            // Another process created it first: use theirs, or the two would encrypt under different keys.
            return ReadKey();
        }
    }

    private byte[] ReadKey()
    {
        var key = Convert.FromBase64String(File.ReadAllText(_keyPath).Trim());
        if (key.Length != 32) throw new CryptographicException($"{_keyPath} does not hold a 256-bit key.");
        return key;
    }
}
